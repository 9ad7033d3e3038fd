"""Build data/demo/warc/newswire-sample.warc.gz, a small CC-NEWS-style web archive for the demo corpus.

The three pages are original fictional news articles written for testing Broadsheet. The archive holds a
warcinfo record, one request record and three HTML response records. Dates, record ids and headers are
fixed, so running this script again reproduces the same file byte for byte.

Usage (from the repository root):  .venv/bin/python data/build_demo_warc.py
"""

from __future__ import annotations

import hashlib
import uuid
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OUT = Path(__file__).resolve().parent / "demo" / "warc" / "newswire-sample.warc.gz"
NAMESPACE = uuid.UUID("6f1c2a52-4d0e-4b8e-9c51-0b1d2e3f4a5b")


def record_id(name: str) -> str:
    """A stable WARC-Record-ID derived from a name."""
    return f"<urn:uuid:{uuid.uuid5(NAMESPACE, name)}>"


IDLIB = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tens of thousands flee fighting in Idlib province as winter sets in | Levant Relief News</title>
<meta name="author" content="Yara Haddad">
<meta property="og:site_name" content="Levant Relief News">
<meta property="article:published_time" content="2019-12-27T10:30:00+03:00">
</head>
<body>
<div class="cookie-notice">This site uses cookies. <a href="/privacy">Read our privacy notice</a> <button>Accept</button></div>
<header><a href="/" class="logo">Levant Relief News</a>
<nav><a href="/syria">Syria</a> <a href="/lebanon">Lebanon</a> <a href="/jordan">Jordan</a> <a href="/iraq">Iraq</a> <a href="/donate">Donate</a></nav></header>
<main>
<article>
<h1>Tens of thousands flee fighting in Idlib province as winter sets in</h1>
<p class="byline">By Yara Haddad, Gaziantep</p>
<p>More than 80,000 people have fled their homes in Syria's Idlib province over the past two weeks as government forces, backed by Russian air strikes, pushed toward the town of Maarat al-Numan, aid agencies said on Friday.</p>
<p>Most of the displaced have headed north toward camps near the Turkish border, where shelters were already overcrowded before the latest offensive began. Many families are sleeping in cars, under olive trees or in half-built houses as night-time temperatures fall close to freezing.</p>
<p>"We left with what we could carry in ten minutes," said Abu Khaled, 61, who reached a camp near the village of Atmeh with his wife and eight grandchildren on Wednesday. "The planes were over us all night. Now we have a tent for eleven people and one blanket for every two."</p>
<p>The United Nations said at least 23 civilians, including 6 children, had been killed in air strikes and shelling in southern Idlib since December 16. Hospitals in the area have reported shortages of fuel for generators, and two clinics stopped working last week after being damaged.</p>
<p>Idlib is the last large area of northern Syria held by rebel groups, the strongest of which is a militant alliance that the United Nations classifies as a terrorist organisation. About 3 million people live in the province and surrounding areas, roughly half of them displaced from other parts of the country earlier in the war.</p>
<p>The government in Damascus says it is fighting terrorists and has vowed to retake the whole province. Turkey, which backs some rebel factions and already hosts about 3.6 million Syrian refugees, has said it cannot take in another wave and has called for a ceasefire. A Turkish delegation was due to hold talks in Moscow next week.</p>
<p>Aid workers in the Turkish province of Hatay, across the border, said convoys were carrying tents, heaters and food into Idlib every day, but that needs were growing faster than supplies. One agency said it needed $5.5 million to provide winter aid to as many as 20,000 families.</p>
<p>"Every winter we say it cannot get worse, and every winter it does," said Hala Sabbagh, who coordinates a network of volunteer doctors from Gaziantep. "People are not asking for much. They are asking not to be bombed while they sleep."</p>
<p>Read more: Aleppo's eastern districts, four years on</p>
</article>
<aside><h3>Related</h3><ul><li><a href="/syria/winter-appeal">Winter appeal: how to help families in Idlib</a></li><li><a href="/syria/camp-conditions">Inside the camps on the Turkish border</a></li></ul></aside>
</main>
<footer><p>&copy; 2019 Levant Relief News. All rights reserved.</p></footer>
</body>
</html>
"""

MARSABIT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Drought fuels deadly clashes over water in northern Kenya - East Africa Chronicle</title>
<meta name="author" content="Wanjiru Kamau">
<meta property="og:site_name" content="East Africa Chronicle">
<meta property="article:published_time" content="2022-06-14T07:15:00+03:00">
</head>
<body>
<div id="consent">We and our partners use cookies to improve your experience. <a href="/cookies">Cookie settings</a></div>
<header>
<div class="brand">East Africa Chronicle</div>
<ul class="nav"><li><a href="/kenya">Kenya</a></li><li><a href="/uganda">Uganda</a></li><li><a href="/tanzania">Tanzania</a></li><li><a href="/business">Business</a></li><li><a href="/sports">Sports</a></li></ul>
</header>
<div class="container">
<article class="post">
<h1>Drought fuels deadly clashes over water in northern Kenya</h1>
<div class="post-meta">Wanjiru Kamau | Tuesday, June 14, 2022</div>
<p>At least 11 people have been killed in clashes between rival herding communities in Marsabit County in the past week, police said on Monday, as a fourth failed rainy season leaves pasture and water points across northern Kenya dry.</p>
<p>The latest attack took place on Saturday night near a borehole outside the town of Marsabit, where gunmen raided a settlement and drove away about 300 head of cattle, according to a police report. Three herders and a 14-year-old boy were shot dead.</p>
<p>Local leaders said competition for the few remaining wells had inflamed old disputes between communities that have shared grazing land for generations. "When there is rain, people share. When there is no rain, the guns come out," said Halake Dida, an elder in the village of Dirib Gombo.</p>
<p>The National Drought Management Authority says about 4.1 million people in Kenya need food aid, up from roughly 3 million at the start of the year. In Marsabit, Turkana, Wajir and Mandera, more than half of all livestock have died in some areas since late 2020, wiping out the main source of income for hundreds of thousands of families.</p>
<p>Aid agencies warned that the situation across the Horn of Africa was the worst in four decades. Large parts of Somalia and southern Ethiopia face similar conditions, and forecasters expect below-average rain again during the short rains from October to December.</p>
<p>Interior ministry officials in Nairobi said additional police units had been deployed to the county and that a curfew would be imposed from 6 p.m. to 6 a.m. in the worst-affected areas for 30 days. Community leaders were invited to peace talks in the town of Moyale later this week.</p>
<p>The government has announced a drought response plan worth 10 billion shillings, about $85 million, to truck water, buy weak animals from herders and distribute food. Critics say the money has been slow to arrive. "The plans are announced in Nairobi in March and the lorries reach us in August," said county official Fatuma Guyo.</p>
<p>Near the dry borehole on Monday, women waited with yellow jerrycans for a water tanker that comes twice a week. Each family is allowed 20 litres per delivery.</p>
</article>
<aside class="widget-related"><h4>You may also like</h4><a href="/kenya/lake-turkana-fishing">Lake Turkana fishermen count the cost of rising water</a> <a href="/kenya/isiolo-camels">Isiolo camel traders turn to mobile money</a></aside>
</div>
<footer class="footer">&copy; 2022 East Africa Chronicle Ltd. All rights reserved. | Terms | Privacy</footer>
</body>
</html>
"""

CHICAGO = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Wells Street drawbridge stuck open, snarling Loop traffic for second day | Lakefront Daily</title>
<meta name="author" content="Tom Brzezinski">
<meta property="og:site_name" content="Lakefront Daily">
<meta property="article:published_time" content="2019-09-10T16:20:00-05:00">
</head>
<body>
<div class="cookies-popup">By using this site you agree to our use of cookies. <a href="/cookies">More info</a> <span class="x">&times;</span></div>
<header class="top"><a href="/">Lakefront Daily</a>
<nav><ul><li><a href="/chicago">Chicago</a></li><li><a href="/suburbs">Suburbs</a></li><li><a href="/transportation">Transportation</a></li><li><a href="/sports">Sports</a></li><li><a href="/weather">Weather</a></li></ul></nav></header>
<main>
<article>
<h1>Wells Street drawbridge stuck open, snarling Loop traffic for second day</h1>
<p class="byline">By Tom Brzezinski</p>
<p>A century-old drawbridge over the Chicago River remained stuck in the raised position on Tuesday, forcing thousands of drivers and cyclists to detour through the Loop and disrupting elevated train service for a second day, city officials said.</p>
<p>The bridge's north leaf failed to lower at about 7:30 p.m. on Monday after being raised to let a sailboat pass on its way to winter storage, according to the city's transportation department. Engineers found a broken gear in the mechanism that lowers the span, which weighs roughly 2,500 tons.</p>
<p>Trains on two elevated lines that cross the river on the bridge's upper deck were rerouted, adding as many as 20 minutes to some commutes. The transit agency said about 60,000 riders use the crossing on an average weekday.</p>
<p>"This is the worst I have seen it in ten years of driving downtown," said Keisha Morgan, 34, a delivery driver who spent nearly an hour crossing the river on Tuesday morning. "Every bridge is backed up because everyone is trying to get across somewhere else."</p>
<p>Transportation commissioner Alan Ruiz told reporters that a replacement part was being made at a machine shop in Indiana and that the bridge should be back in service by Thursday evening. He said the repair would cost between $150,000 and $250,000.</p>
<p>The bridge was built in 1922 and last underwent a major rehabilitation in the 1990s. The city operates 37 movable bridges across the river and its branches, more than any other city in the United States, and raises them twice a week in spring and autumn so that sailboats can move between Lake Michigan and boatyards upstream.</p>
<p>Alderman Brendan O'Hare, whose ward includes much of the Loop, said he would ask for a hearing next month on the condition of the city's bridges. "We cannot keep running 100-year-old machines on hope," he said.</p>
<p>Advertisement</p>
<p>Commuters were advised to allow extra time, and the city extended parking restrictions on nearby streets through Friday.</p>
</article>
<aside class="more"><h4>More in Transportation</h4><ul><li><a href="/transportation/divvy-expansion">Bike share expands to the South Side</a></li><li><a href="/transportation/ohare-terminal">O'Hare terminal project hits new delay</a></li></ul></aside>
</main>
<footer><p>&copy; 2019 Lakefront Daily Media LLC. All rights reserved.</p><p>Follow us on Twitter and Facebook</p></footer>
</body>
</html>
"""

# (target uri, crawl date, server, html)
PAGES = [
    ("https://levantreliefnews.example.org/syria/2019/12/27/idlib-displacement-winter",
     "2019-12-27T14:02:11Z", "nginx", IDLIB),
    ("https://eastafricachronicle.example.co.ke/kenya/marsabit-drought-clashes",
     "2022-06-14T09:41:37Z", "Apache", MARSABIT),
    ("https://lakefrontdaily.example.com/chicago/2019/09/10/wells-street-bridge-stuck",
     "2019-09-10T22:05:53Z", "cloudflare", CHICAGO),
]

WARCINFO = (
    "software: broadsheet demo build_warc.py (warcio)\r\n"
    "format: WARC File Format 1.0\r\n"
    "description: Demo sample of fictional news pages for Broadsheet tests\r\n"
    "isPartOf: broadsheet-demo-newswire\r\n"
    "operator: Broadsheet demo corpus\r\n"
    "robots: obey\r\n"
).encode("utf-8")


def http_response(server: str, date_header: str, body: bytes) -> StatusAndHeaders:
    return StatusAndHeaders("200 OK", [
        ("Date", date_header),
        ("Server", server),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "max-age=300"),
        ("Connection", "close"),
    ], protocol="HTTP/1.1")


def http_date(iso: str) -> str:
    import datetime as dt
    t = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    return t.strftime("%a, %d %b %Y %H:%M:%S GMT")


def build(out: Path = OUT) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        info = writer.create_warc_record(
            "", "warcinfo", payload=BytesIO(WARCINFO), length=len(WARCINFO),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": record_id("warcinfo"),
                "WARC-Date": "2019-09-10T22:00:00Z",
                "WARC-Filename": out.name,
            },
        )
        writer.write_record(info)
        for i, (uri, date, server, html) in enumerate(PAGES):
            body = html.encode("utf-8")
            resp_id = record_id(f"response:{uri}")
            if i == 0:
                # One request record, as a crawler writes before the response it received.
                req_headers = StatusAndHeaders(f"GET /{uri.split('/', 3)[3]} HTTP/1.1", [
                    ("Host", uri.split("/")[2]),
                    ("User-Agent", "BroadsheetDemoBot/1.0 (+https://broadsheet.example.org/bot)"),
                    ("Accept", "text/html,application/xhtml+xml"),
                    ("Accept-Encoding", "identity"),
                ], is_http_request=True)
                req = writer.create_warc_record(
                    uri, "request", http_headers=req_headers,
                    warc_headers_dict={
                        "WARC-Record-ID": record_id(f"request:{uri}"),
                        "WARC-Date": date,
                        "WARC-Concurrent-To": resp_id,
                    },
                )
                writer.write_record(req)
            resp = writer.create_warc_record(
                uri, "response", payload=BytesIO(body), length=len(body),
                http_headers=http_response(server, http_date(date), body),
                warc_headers_dict={
                    "WARC-Record-ID": resp_id,
                    "WARC-Date": date,
                    "WARC-IP-Address": f"192.0.2.{10 + i}",
                },
            )
            writer.write_record(resp)
    return out


if __name__ == "__main__":
    path = build()
    print(path, hashlib.sha256(path.read_bytes()).hexdigest())
