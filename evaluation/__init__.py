"""Accuracy evaluations against public gold data (`broadsheet eval NAME`)."""

# evaluation name -> module in this package
EVALUATIONS = {
    "dates": "dates",
    "quantities": "quantities",
    "locations": "locations",
    "html": "html",
    "stories": "stories",
    "seeds": "seeds",
}
