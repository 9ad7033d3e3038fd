from transforms.normalize import normalized_text
from transforms.paragraphs import article_text, paragraph_spans


def test_offsets_are_exact():
    text = article_text(["First paragraph here.", "  Second one, with  spaces. ", "Third."])
    spans = paragraph_spans(text)
    assert [s.text for s in spans] == ["First paragraph here.", "Second one, with  spaces.", "Third."]
    for s in spans:
        assert text[s.start:s.end] == s.text
    assert [s.ordinal for s in spans] == [0, 1, 2]


def test_word_counts_and_blank_paragraphs_dropped():
    text = article_text(["Two words", "", "   ", "It's a well-known fact."])
    spans = paragraph_spans(text)
    assert [s.n_words for s in spans] == [2, 4]


def test_normalized_text_line_endings_nfc_and_spaces():
    raw = "Cafe\u0301\r\nline\ttwo  with   gaps \r\r\n\n\nend"
    assert normalized_text(raw) == "Café\nline two with gaps\n\nend"
