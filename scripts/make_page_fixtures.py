"""Build the saved-page fixtures (tests/fixtures/pages/) from real articles of the ANT corpus.

Each fixture wraps one article of ``../shared/data/news/ant-v2.1-4-outlets.jsonl`` (title and
text as the corpus authors extracted them) in the markup a real news site of today puts around
an article: inline scripts and JSON (state, JSON-LD, analytics) of realistic size, consent
banners, video players, related-article rails, newsletter boxes, share and comment widgets,
comment policies, datelines and bylines in their common Arabic forms, image captions, pull
quotes, interviews.  Beside each page ``NAME.html`` (or ``NAME.txt``, a page copied as text) a
``NAME.json`` says what a careful editor finds: the exact headline, the article's text (the
body), and the furniture of the story the page shows (captions, pull quotes, datelines,
bylines, questions and answers) and text that must not be anywhere in the article.

The output is deterministic (a fixed seed, articles chosen by id); the pages are committed, so
the tests run without ``../shared``.

    python scripts/make_page_fixtures.py            # writes tests/fixtures/pages/
    python scripts/make_page_fixtures.py --check    # fails if the committed pages differ
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "pages"
NEWS = ROOT.parent / "shared" / "data" / "news" / "ant-v2.1-4-outlets.jsonl"
SEED = 16

SITES = {
    "alarabia": ("العربية", "alarabiya.net", "دبي - العربية.نت"),
    "CNN": ("CNN بالعربية", "arabic.cnn.com", "دبي، الإمارات العربية المتحدة (CNN)"),
    "france24": ("فرانس 24", "france24.com", "فرانس 24 / أ ف ب"),
    "skynews": ("سكاي نيوز عربية", "skynewsarabia.com", "أبوظبي - سكاي نيوز عربية"),
}
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
LEVANT = [
    "كانون الثاني/يناير",
    "شباط/فبراير",
    "آذار/مارس",
    "نيسان/أبريل",
    "أيار/مايو",
    "حزيران/يونيو",
    "تموز/يوليو",
    "آب/اغسطس",
    "أيلول/سبتمبر",
    "تشرين الأول/أكتوبر",
    "تشرين الثاني/نوفمبر",
    "كانون الأول/ديسمبر",
]
MONTH_NO = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
}
DAY_NO = {d: i for i, d in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])}

CONSENT = (
    "نستخدم ملفات تعريف الارتباط (الكوكيز) لتقديم خدماتنا وتحسينها ولعرض إعلانات تناسب اهتماماتك، "
    "وباستمرارك في تصفح الموقع فإنك توافق على استخدامنا لملفات تعريف الارتباط وفق سياسة الخصوصية."
)
CONSENT_LONG = (
    "نحن وشركاؤنا نخزن المعلومات و/أو نصل إليها على جهازك، مثل ملفات تعريف الارتباط، ونعالج "
    "البيانات الشخصية، مثل المعرفات الفريدة والمعلومات القياسية المرسلة من الجهاز، لأغراض الإعلانات "
    "والمحتوى المخصص وقياس الإعلانات والمحتوى والتعرف على الجمهور وتطوير المنتجات. يمكنك قبول "
    "ذلك أو رفضه أو إدارة تفضيلاتك في أي وقت من خلال صفحة سياسة الخصوصية."
)
MEDIA_ERRORS = [
    "Error loading media: File could not be played",
    "حدث خطأ أثناء تحميل الوسائط. يرجى المحاولة مرة أخرى لاحقاً.",
    "The media could not be loaded, either because the server or network failed or because "
    "the format is not supported.",
    "هذا الفيديو غير متاح حالياً في بلدك",
]
NEWSLETTER = (
    "اشترك في نشرتنا الإخبارية لتصلك أهم الأخبار والتحليلات يومياً إلى بريدك الإلكتروني، "
    "ويمكنك إلغاء الاشتراك في أي وقت."
)
POLICY_CNN = (
    "ترحب شبكة CNN بالعربية بالنقاش الحيوي والمفيد، وكي لا نضطر في موقع CNN بالعربية إلى مراجعة "
    "التعليقات قبل نشرها. ننصحك بمراجعة إرشادات الاستخدام للتعرف إلى المعايير المعتمدة للتعليق "
    "على المواضيع."
)
POLICY_OPINIONS = "الآراء الواردة أدناه لا تعبر عن رأي موقع CNN بالعربية، بل تعكس وجهات نظر أصحابها فقط."
POLICY_OTHER = (
    "جميع التعليقات تخضع للمراجعة قبل النشر، ويحتفظ الموقع بحق حذف أي تعليق يتضمن إساءة أو "
    "خروجاً عن موضوع الخبر، والتعليقات المنشورة تعبر عن آراء أصحابها."
)
CAPTION_ENDINGS = ["(رويترز)", "- أرشيفية", "(فرانس برس)", "- صورة أرشيفية", "(أسوشيتد برس)", "(أ ف ب)"]


@dataclass
class Story:
    """One corpus article and what its page is built from."""

    row: dict[str, Any]
    rng: random.Random
    related: list[dict[str, Any]]
    paragraphs: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.paragraphs = [p.strip() for p in self.row["text"].split("\n") if p.strip()]

    @property
    def title(self) -> str:
        return str(self.row["title"])

    @property
    def site(self) -> tuple[str, str, str]:
        return SITES[self.row["source"]]


@dataclass
class Page:
    """A built page and what the tests expect of it."""

    content: str
    expect: dict[str, list[str]] = field(default_factory=dict)
    not_in_text: list[str] = field(default_factory=list)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


# --- Dates, as sites write them -------------------------------------------------------------------


def _when(story: Story) -> tuple[int, int, int, str, int, int]:
    """(weekday, day, month index, year, hour, minute) of the article's publication."""
    m = re.match(r"(\w+), (\d+) (\w+) (\d+) (\d+):(\d+)", story.row["published_at"])
    assert m, story.row["published_at"]
    return DAY_NO[m.group(1)], int(m.group(2)), MONTH_NO[m.group(3)], m.group(4), int(m.group(5)), int(m.group(6))


def dateline(story: Story, style: str) -> str:
    wd, d, mo, y, h, mi = _when(story)
    later = f"{(h + 2) % 24:02d}:{mi:02d}"
    return {
        "levant": f"{WEEKDAYS[wd]}، {d} {LEVANT[mo]} {y}، آخر تحديث {later} (GMT+0400)",
        "sky": f"نشر في: {WEEKDAYS[wd]} {d} {MONTHS[mo]} {y} - {h:02d}:{mi:02d} بتوقيت أبوظبي",
        "slashes": f"نشرت في : {d:02d}/{mo + 1:02d}/{y} - {h:02d}:{mi:02d} آخر تحديث : {d:02d}/{mo + 1:02d}/{y} - {later}",  # noqa: E501
        "arabiya": f"آخر تحديث: {WEEKDAYS[wd]} {d} {MONTHS[mo]} {y}م KSA {h:02d}:{mi:02d} - GMT {(h - 3) % 24:02d}:{mi:02d}",  # noqa: E501
        "short": f"{WEEKDAYS[wd]} {d} {MONTHS[mo]} {y} | {h:02d}:{mi:02d}",
        "updated": f"آخر تحديث: {d} {MONTHS[mo]} {y}، {h:02d}:{mi:02d}",
    }[style]


# --- Scripts and JSON of realistic size ------------------------------------------------------------

_JS_WORDS = (
    "function return var const let this prototype window document addEventListener querySelector "
    "getElementById createElement appendChild setAttribute dataLayer push config analytics render "
    "props state module exports require default object length undefined null typeof push call "
    "apply bind Promise then catch resolve reject async await fetch response json headers"
).split()


def js_bundle(rng: random.Random, size: int) -> str:
    """Minified-looking JavaScript of about ``size`` characters (Latin letters, as real bundles are)."""
    parts: list[str] = []
    total = 0
    n = 0
    while total < size:
        a, b, c = (rng.choice(_JS_WORDS) for _ in range(3))
        chunk = (
            f'{n}:function(e,t,n){{"use strict";var r=n({rng.randint(100, 9999)}),o=n.n(r);'
            f'e.exports={{{a}:function(i){{return i&&i.{b}?i.{c}("{a}-{b}"):o()}},'
            f'{b}Handler:function(){{window.{c}=window.{c}||[];window.{c}.push({{event:"{a}"}})}}}}}},'
        )
        parts.append(chunk)
        total += len(chunk)
        n += 1
    return (
        "(self.webpackChunk=self.webpackChunk||[]).push([[" + str(rng.randint(1, 99)) + "],{" + "".join(parts) + "}]);"
    )


def gtm(rng: random.Random) -> str:
    tag = "GTM-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
    return (
        f"<script>(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':new Date().getTime(),"
        f"event:'gtm.js'}});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';"
        f"j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);"
        f"}})(window,document,'script','dataLayer','{tag}');</script>"
    )


def dfp_slots(rng: random.Random, n: int) -> str:
    slots = "".join(
        f"googletag.defineSlot('/{rng.randint(10**6, 10**7)}/news_article_{i}', [[300, 250], [728, 90]], "
        f"'div-gpt-ad-{rng.randint(10**12, 10**13)}-{i}').addService(googletag.pubads());"
        for i in range(n)
    )
    return (
        "<script>window.googletag=window.googletag||{cmd:[]};googletag.cmd.push(function(){"
        + slots
        + "googletag.pubads().enableSingleRequest();googletag.pubads().collapseEmptyDivs();"
        "googletag.enableServices();});</script>"
    )


def json_ld(story: Story, *, body: bool) -> str:
    name, domain, _ = story.site
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": story.row["url"]},
        "headline": story.title,
        "datePublished": story.row["published_at"],
        "dateModified": story.row["published_at"],
        "inLanguage": "ar",
        "image": {
            "@type": "ImageObject",
            "url": f"https://{domain}/images/{story.row['id']}.jpg",
            "width": 1200,
            "height": 675,
        },
        "author": {"@type": "Organization", "name": name},
        "publisher": {
            "@type": "Organization",
            "name": name,
            "logo": {"@type": "ImageObject", "url": f"https://{domain}/logo.png"},
        },
        "articleSection": story.row["category"],
    }
    if body:
        data["articleBody"] = "\n".join(story.paragraphs)
    crumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i + 1, "name": n, "item": f"https://{domain}/{n}"}
            for i, n in enumerate(["الرئيسية", story.row["category"]])
        ],
    }
    return "".join(
        f'<script type="application/ld+json">{json.dumps(d, ensure_ascii=False)}</script>' for d in (data, crumbs)
    )


def state_json(story: Story, size: int, *, with_body: bool = True) -> dict[str, Any]:
    """An app's page state (as Next.js and Nuxt inline it): the article, related items, config."""
    rng = story.rng
    config = {
        f"feature_{rng.choice(_JS_WORDS)}_{i}": {
            "enabled": rng.random() < 0.5,
            "rollout": rng.randint(0, 100),
            "variant": rng.choice(["control", "treatment", "holdout"]),
        }
        for i in range(size // 90)
    }
    return {
        "props": {
            "pageProps": {
                "article": {
                    "id": story.row["id"],
                    "title": story.title,
                    "url": story.row["url"],
                    "body": [{"type": "paragraph", "text": p} for p in story.paragraphs] if with_body else [],
                    "category": story.row["category"],
                    "publishedAt": story.row["published_at"],
                },
                "related": [{"id": r["id"], "title": r["title"], "url": r["url"]} for r in story.related],
                "config": config,
            }
        },
        "page": "/article/[id]",
        "query": {"id": story.row["id"]},
        "buildId": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(21)),
        "runtimeConfig": {"apiUrl": "https://api.example-news.com/v2", "cdn": "https://cdn.example-news.com"},
    }


# --- Widgets ---------------------------------------------------------------------------------------


def related_titles(story: Story, n: int) -> list[str]:
    return [r["title"] for r in story.related[:n]]


def rail(story: Story, header: str, cls: str, n: int = 5, excerpts: bool = False) -> tuple[str, list[str]]:
    items = []
    for r in story.related[:n]:
        excerpt = ""
        if excerpts:
            words = r["text"].split()[:22]
            excerpt = f"<p>{esc(' '.join(words))}...</p>"
        items.append(f'<li><a href="{esc(r["url"])}">{esc(r["title"])}</a>{excerpt}</li>')
    return (f'<div class="{cls}"><h3>{header}</h3><ul>{"".join(items)}</ul></div>', related_titles(story, n))


def share_bar(cls: str = "share-tools") -> str:
    return (
        f'<div class="{cls}"><a href="#">فيسبوك</a> <a href="#">تويتر</a> <a href="#">واتساب</a> '
        '<a href="#">تلغرام</a> <span>نسخ الرابط</span></div>'
    )


def figure(caption: str, kind: str) -> str:
    img = '<img src="/images/photo.jpg" alt="" width="800" height="450">'
    return {
        "figcaption": f"<figure>{img}<figcaption>{esc(caption)}</figcaption></figure>",
        "wp": f'<div class="wp-caption aligncenter">{img}<p class="wp-caption-text">{esc(caption)}</p></div>',
        "div": f'<div class="article-image">{img}<div class="image-caption">{esc(caption)}</div></div>',
        "span": f'<div class="media">{img}<span class="img-desc">{esc(caption)}</span></div>',
        "bare": f"<figure>{img}<div>{esc(caption)}</div></figure>",
    }[kind]


def caption_for(story: Story, i: int) -> str:
    words = story.title.replace('"', "").split()
    return f"{' '.join(words[: 4 + i])} {CAPTION_ENDINGS[(i + len(words)) % len(CAPTION_ENDINGS)]}"


def pull_quote_of(story: Story) -> str:
    """A sentence of the article (8 to 30 words), as a page repeats it in large type: part of a paragraph."""
    for p in story.paragraphs[1:] + story.paragraphs[:1]:
        sentences = re.split(r"(?<=[.!؟])\s+", p)
        for s in sentences if len(sentences) > 1 else ():
            if 8 <= len(s.split()) <= 30:
                return s.strip()
    return " ".join(story.paragraphs[0].split()[:15])


def pull_quote(text: str, kind: str) -> str:
    return {
        "blockquote": f'<blockquote class="pullquote"><p>«{esc(text)}»</p></blockquote>',
        "aside": f'<aside class="pull-quote">{esc(text)}</aside>',
        "wp": f'<figure class="wp-block-pullquote"><blockquote><p>{esc(text)}</p><cite></cite></blockquote></figure>',
        "plain": f'<div class="box-quote"><p>"{esc(text)}"</p></div>',
    }[kind]


def video(kind: str) -> tuple[str, str]:
    msg = {"jw": MEDIA_ERRORS[0], "ar": MEDIA_ERRORS[1], "vjs": MEDIA_ERRORS[2], "geo": MEDIA_ERRORS[3]}[kind]
    markup = {
        "jw": f'<div class="jwplayer jw-reset jw-state-error"><div class="jw-error-msg"><div class="jw-error-text">{msg}</div></div></div>',  # noqa: E501
        "ar": f'<div class="media-wrap"><div class="mw-msg">{msg}</div></div>',
        "vjs": f'<div class="video-js vjs-error"><div class="vjs-error-display"><div class="vjs-modal-dialog-content">{msg}</div></div></div>',  # noqa: E501
        "geo": f'<div class="clip"><p>{msg}</p></div>',
    }[kind]
    return markup, msg


def consent(kind: str) -> tuple[str, str]:
    if kind == "onetrust":
        return (
            f'<div id="onetrust-banner-sdk"><div class="ot-sdk-container"><p id="onetrust-policy-text">{CONSENT}</p>'
            "<button>أوافق</button><button>إدارة الخيارات</button></div></div>",
            CONSENT,
        )
    if kind == "cmp":
        return (
            f'<div class="qc-cmp2-container"><div class="qc-cmp2-summary-info"><p>{CONSENT_LONG}</p></div>'
            "<button>موافق</button><button>خيارات أخرى</button></div>",
            CONSENT_LONG,
        )
    return f'<div class="box-7"><p>{CONSENT}</p><a href="/privacy">سياسة الخصوصية</a></div>', CONSENT


def newsletter(kind: str) -> tuple[str, str]:
    if kind == "named":
        return (
            f'<div class="newsletter-box"><h4>النشرة الإخبارية</h4><p>{NEWSLETTER}</p><form><input type="email" '
            'placeholder="بريدك الإلكتروني"><button>اشترك</button></form></div>',
            NEWSLETTER,
        )
    return (
        f'<section class="nl-x"><h4>النشرة الإخبارية</h4><p>{NEWSLETTER}</p><form><input type="email">'
        "<button>اشترك الآن</button></form></section>",
        NEWSLETTER,
    )


def comments(policy: list[str], cls: str) -> str:
    paras = "".join(f"<p>{esc(p)}</p>" for p in policy)
    return (
        f'<div class="{cls}"><h3>التعليقات</h3>{paras}<form><textarea></textarea>'
        "<button>أضف تعليقك</button></form><p>لا توجد تعليقات بعد</p></div>"
    )


# --- Page skeletons ---------------------------------------------------------------------------------


def head(story: Story, scripts: str, title_tag: str | None = None) -> str:
    name = story.site[0]
    t = title_tag if title_tag is not None else f"{story.title} | {name}"
    return (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{esc(t)}</title>'
        f'<meta property="og:title" content="{html.escape(story.title)}">'
        f'<meta property="og:site_name" content="{html.escape(name)}">'
        f'<link rel="stylesheet" href="/css/main.css"><style>.a{{color:#333}}.b{{margin:0 auto}}</style>'
        f"{scripts}</head>"
    )


def masthead(story: Story) -> str:
    name = story.site[0]
    return (
        f'<header class="site-header"><a class="logo" href="/">{esc(name)}</a><nav><ul>'
        '<li><a href="/">الرئيسية</a></li><li><a href="/news">أخبار</a></li><li><a href="/economy">اقتصاد</a></li>'
        '<li><a href="/sport">رياضة</a></li><li><a href="/video">فيديو</a></li></ul></nav></header>'
    )


def footer(story: Story) -> str:
    return (
        f'<footer><p>جميع الحقوق محفوظة © {esc(story.site[0])} 2018</p><ul><li><a href="/about">من نحن</a></li>'
        '<li><a href="/contact">اتصل بنا</a></li><li><a href="/privacy">سياسة الخصوصية</a></li></ul></footer>'
    )


def body_html(paragraphs: list[str], inserts: dict[int, str] | None = None, tag: str = "p", indent: str = "") -> str:
    inserts = inserts or {}
    out = []
    for i, p in enumerate(paragraphs):
        out.append(f"<{tag}>{indent}{esc(p)}</{tag}>")
        if i in inserts:
            out.append(inserts[i])
    return "".join(out)


Layout = Callable[[Story], Page]


def wordpress(story: Story, *, widgets: tuple[str, ...] = ()) -> Page:
    """A WordPress news theme: JSON-LD, emoji and theme scripts, entry-content, share bar, related, comments."""
    rng = story.rng
    page = Page("")
    inserts: dict[int, str] = {}
    top = ""
    after = ""
    scripts = json_ld(story, body=True) + gtm(rng) + f"<script>{js_bundle(rng, 1500)}</script>"
    if "caption" in widgets:
        cap = caption_for(story, 0)
        top += figure(cap, "wp")
        page.expect.setdefault("captions", []).append(cap)
    if "captions2" in widgets and len(story.paragraphs) > 2:
        cap = caption_for(story, 1)
        inserts[1] = figure(cap, "figcaption")
        page.expect.setdefault("captions", []).append(cap)
    if "pullquote" in widgets and len(story.paragraphs) > 1:
        q = pull_quote_of(story)
        inserts[0] = pull_quote(q, "wp")
        page.expect["pull_quotes"] = [q]
    if "newsletter" in widgets:
        box, text = newsletter("plain")
        after += box
        page.not_in_text.append(text)
    if "comments" in widgets:
        after += comments([POLICY_OTHER], "comments-area")
        page.not_in_text.append(POLICY_OTHER)
    rail_html, titles = rail(story, "مقالات ذات صلة", "related-posts", 4)
    page.not_in_text += titles
    page.content = (
        head(story, scripts)
        + '<body class="single single-post">'
        + masthead(story)
        + '<div id="primary" class="content-area"><main id="main"><article class="post type-post">'
        + f'<header class="entry-header"><h1 class="entry-title">{esc(story.title)}</h1>'
        + f'<div class="entry-meta"><span class="posted-on">{esc(dateline(story, "updated"))}</span></div></header>'
        + top
        + '<div class="entry-content">'
        + body_html(story.paragraphs, inserts)
        + "</div>"
        + share_bar()
        + "</article>"
        + rail_html
        + after
        + "</main></div>"
        + footer(story)
        + f"<script>{js_bundle(rng, 1000)}</script></body></html>"
    )
    page.expect["datelines"] = [dateline(story, "updated")]
    return page


def nextjs(story: Story, *, widgets: tuple[str, ...] = (), state: int = 2500, bundle: int = 2500) -> Page:
    """A Next.js site: hashed class names, __NEXT_DATA__ with the article and config, chunks inline."""
    rng = story.rng
    page = Page("")
    h = lambda base: f"{base}_{''.join(rng.choice('abcdefghijkmnpqrstuvwxyz0123456789') for _ in range(5))}"  # noqa: E731
    inserts: dict[int, str] = {}
    before = ""
    after = ""
    if "video" in widgets or "video-ar" in widgets:
        markup, msg = video("jw" if "video" in widgets else "ar")
        before += markup
        page.not_in_text.append(msg)
    if "consent" in widgets:
        markup, msg = consent("onetrust")
        before = markup + before
        page.not_in_text.append(msg)
    if "consent-cmp" in widgets:
        markup, msg = consent("cmp")
        after += markup
        page.not_in_text.append(msg)
    if "caption" in widgets:
        cap = caption_for(story, 2)
        before += figure(cap, "figcaption")
        page.expect["captions"] = [cap]
    if "newsletter" in widgets and len(story.paragraphs) > 2:
        box, text = newsletter("named")
        inserts[1] = box
        page.not_in_text.append(text)
    if "pullquote" in widgets and len(story.paragraphs) > 1:
        q = pull_quote_of(story)
        inserts[0] = pull_quote(q, "aside")
        page.expect["pull_quotes"] = [q]
    dl = dateline(story, "sky")
    byline = (
        story.site[2]
        if story.row["source"] == "skynews"
        else f"{'دبي' if rng.random() < 0.5 else 'القاهرة'} - {story.site[0]}"
    )
    rail_html, titles = rail(story, "الأكثر قراءة", h("List"), 5)
    page.not_in_text += titles
    data = json.dumps(state_json(story, state), ensure_ascii=False)
    page.content = (
        head(story, json_ld(story, body=False) + gtm(rng))
        + f'<body><div id="__next"><div class="{h("Layout_root")}">'
        + masthead(story)
        + f'<main class="{h("Article_main")}"><h1 class="{h("Article_title")}">{esc(story.title)}</h1>'
        + f'<div class="{h("Article_meta")}"><span>{esc(byline)}</span><time>{esc(dl)}</time></div>'
        + before
        + f'<div class="{h("Article_body")}">'
        + body_html(story.paragraphs, inserts)
        + "</div>"
        + share_bar(h("Share_bar"))
        + f'</main><div class="{h("Sidebar")}">{rail_html}</div>{after}'
        + footer(story)
        + "</div></div>"
        + f'<script id="__NEXT_DATA__" type="application/json">{data}</script>'
        + f"<script>{js_bundle(rng, bundle)}</script></body></html>"
    )
    page.expect["datelines"] = [dl]
    page.expect["bylines"] = [byline]
    return page


def cnn_like(story: Story, *, widgets: tuple[str, ...] = ()) -> Page:
    """A network's article page: a levantine dateline, the text, comment policy and comments."""
    rng = story.rng
    page = Page("")
    dl = dateline(story, "levant")
    inserts: dict[int, str] = {}
    top = ""
    if "caption" in widgets:
        cap = caption_for(story, 1)
        top += figure(cap, "div")
        page.expect["captions"] = [cap]
    if "video" in widgets:
        markup, msg = video("vjs")
        inserts[0] = markup
        page.not_in_text.append(msg)
    if "inline-related" in widgets and len(story.paragraphs) > 2:
        r = story.related[0]
        inserts[1] = f'<p>اقرأ أيضا: <a href="{esc(r["url"])}">{esc(r["title"])}</a></p>'
        page.not_in_text.append(r["title"])
    policy = [POLICY_CNN, POLICY_OPINIONS]
    page.not_in_text += policy
    page.content = (
        head(story, dfp_slots(rng, 4) + json_ld(story, body=True) + f"<script>{js_bundle(rng, 1200)}</script>")
        + '<body><div id="cnn_hdr">'
        + masthead(story)
        + "</div>"
        + f'<div id="cnnContentContainer"><h1>{esc(story.title)}</h1><div class="cnnDateStamp">{esc(dl)}</div>'
        + top
        + '<div class="cnn_strycntntlft">'
        + body_html(story.paragraphs, inserts)
        + "</div>"
        + '<div class="cnn_strycmntsbx">'
        + "".join(f"<p>{esc(p)}</p>" for p in policy)
        + '<div class="fb-comments" data-href="x"></div></div></div>'
        + footer(story)
        + "</body></html>"
    )
    page.expect["datelines"] = [dl]
    return page


def bootstrap(story: Story, *, widgets: tuple[str, ...] = ()) -> Page:
    """A portal on a grid framework: neutral class names (col-md-8, box-3), widgets known only by their words."""
    rng = story.rng
    page = Page("")
    inserts: dict[int, str] = {}
    before = after = ""
    style = "arabiya" if story.row["source"] == "alarabia" else "short"
    dl = dateline(story, style)
    if "consent" in widgets:
        markup, msg = consent("plain")
        before += markup
        page.not_in_text.append(msg)
    if "caption" in widgets:
        cap = caption_for(story, 3)
        before += figure(cap, "bare")
        page.expect["captions"] = [cap]
    if "pullquote" in widgets and len(story.paragraphs) > 2:
        q = pull_quote_of(story)
        inserts[1] = pull_quote(q, "plain")
        page.expect["pull_quotes"] = [q]
    if "video" in widgets:
        markup, msg = video("geo")
        before += markup
        page.not_in_text.append(msg)
    if "newsletter" in widgets:
        box, text = newsletter("plain")
        after += box
        page.not_in_text.append(text)
    if "related-cards" in widgets:
        cards, titles = rail(story, "مواضيع ذات صلة", "row mt-3", 3, excerpts=True)
        after += cards
        page.not_in_text += titles
    byline = "المصدر: وكالات" if rng.random() < 0.5 else "كتب: محمد عبد الله"
    page.content = (
        head(story, gtm(rng) + json_ld(story, body=False) + f"<script>{js_bundle(rng, 1500)}</script>")
        + '<body><div class="container"><div class="row"><div class="col-12">'
        + masthead(story)
        + "</div>"
        + f'<div class="col-md-8"><div class="box-1"><h1>{esc(story.title)}</h1><div class="d-flex"><span>{esc(byline)}</span>'  # noqa: E501
        + f'<span class="ms-2">{esc(dl)}</span></div>'
        + before
        + '<div class="txt">'
        + body_html(story.paragraphs, inserts)
        + "</div>"
        + after
        + '</div></div><div class="col-md-4">'
        + rail(story, "الأكثر قراءة", "box-2", 5)[0]
        + "</div></div></div>"
        + footer(story)
        + "</body></html>"
    )
    page.not_in_text += related_titles(story, 5)
    page.expect["datelines"] = [dl]
    page.expect["bylines"] = [byline]
    return page


def legacy(story: Story, *, control: bool = False, br: bool = False) -> Page:
    """An old CMS: tables, <font>, paragraphs split by <br>, windows-era indentation characters."""
    rng = story.rng
    page = Page("")
    indent = "\x1a\x1a" if control else ""
    if br:
        body = "<br><br>".join(indent + esc(p) for p in story.paragraphs)
    else:
        body = body_html(story.paragraphs, indent=indent)
    dl = dateline(story, "slashes")
    page.content = (
        head(story, f"<script>{js_bundle(rng, 1500)}</script>")
        + '<body><table width="100%"><tr><td>'
        + masthead(story)
        + '</td></tr><tr><td valign="top">'
        + f'<font size="5"><b>{esc(story.title)}</b></font><br><font size="2">{esc(dl)}</font><br>'
        + f'<div class="txt">{body}</div></td><td width="200">'
        + rail(story, "أخبار ذات صلة", "t1", 4)[0]
        + "</td></tr></table>"
        + footer(story)
        + "</body></html>"
    )
    page.not_in_text += related_titles(story, 4)
    page.expect["datelines"] = [dl]
    return page


def amp(story: Story) -> Page:
    """An AMP page: amp-img, amp-analytics with its JSON config, JSON-LD."""
    rng = story.rng
    config = json.dumps(
        {
            "vars": {"account": f"UA-{rng.randint(10**6, 10**7)}-1"},
            "triggers": {
                f"trackEvent{i}": {
                    "on": "click",
                    "selector": f"#el{i}",
                    "request": "event",
                    "vars": {"eventCategory": "ui", "eventAction": "click"},
                }
                for i in range(25)
            },
        }
    )
    cap = caption_for(story, 0)
    page = Page(
        head(story, json_ld(story, body=True) + '<script async src="https://cdn.ampproject.org/v0.js"></script>')
        + f'<body><amp-analytics type="googleanalytics"><script type="application/json">{config}</script></amp-analytics>'  # noqa: E501
        + masthead(story)
        + f"<article><h1>{esc(story.title)}</h1>"
        + f'<figure><amp-img src="/a.jpg" width="800" height="450" layout="responsive"></amp-img><figcaption>{esc(cap)}</figcaption></figure>'  # noqa: E501
        + body_html(story.paragraphs)
        + "</article>"
        + footer(story)
        + "</body></html>"
    )
    page.expect["captions"] = [cap]
    return page


def script_only(story: Story) -> Page:
    """A page built by scripts: an empty root element; the article only in JSON-LD and the app state."""
    rng = story.rng
    data = json.dumps(state_json(story, 2000), ensure_ascii=False)
    return Page(
        head(story, json_ld(story, body=True) + gtm(rng))
        + '<body><div id="root"></div><noscript>يرجى تفعيل جافا سكريبت لعرض هذه الصفحة</noscript>'
        + f"<script>window.__INITIAL_STATE__={data};</script><script>{js_bundle(rng, 1500)}</script></body></html>",
        not_in_text=["يرجى تفعيل جافا سكريبت لعرض هذه الصفحة"],
    )


def interview(story: Story, *, style: str) -> Page:
    """An interview: questions and answers marked ``*``/``-``, ``س:``/``ج:`` or set in bold."""
    rng = story.rng
    page = Page("")
    out: list[str] = []
    questions: list[str] = []
    answers: list[str] = []
    for p in story.paragraphs:
        if p.startswith("*"):
            q = p.lstrip("* ").strip()
            questions.append(q)
            out.append(
                {"star": f"<p>*{esc(q)}</p>", "sj": f"<p>س: {esc(q)}</p>", "bold": f"<p><strong>{esc(q)}</strong></p>"}[
                    style
                ]
            )
        elif questions:
            answers.append(p)
            out.append({"star": f"<p>-{esc(p)}</p>", "sj": f"<p>ج: {esc(p)}</p>", "bold": f"<p>{esc(p)}</p>"}[style])
        else:
            out.append(f"<p>{esc(p)}</p>")
    page.content = (
        head(story, json_ld(story, body=False) + f"<script>{js_bundle(rng, 1500)}</script>")
        + "<body>"
        + masthead(story)
        + f'<article><h1>{esc(story.title)}</h1><div class="article-body">'
        + "".join(out)
        + "</div>"
        + share_bar()
        + "</article>"
        + footer(story)
        + "</body></html>"
    )
    page.expect["questions"] = questions
    page.expect["answers"] = answers if style != "bold" else answers  # every answer paragraph is a turn
    return page


def copied_text(story: Story, *, policy: bool, control: bool = False) -> Page:
    """A page copied from a browser as text: masthead, dateline, the article, comment policy, footer."""
    dl = dateline(story, "levant")
    lines = [story.site[0], "الرئيسية | أخبار | اقتصاد | رياضة | فيديو", story.title, dl]
    lines += [("\x1a\x1a\x1a" if control else "") + p for p in story.paragraphs]
    page = Page("")
    if policy:
        lines += ["التعليقات", POLICY_CNN, POLICY_OPINIONS]
        page.not_in_text += [POLICY_CNN, POLICY_OPINIONS]
    lines += [f"جميع الحقوق محفوظة © {story.site[0]} 2018"]
    page.content = "\n".join(lines) + "\n"
    page.expect["datelines"] = [dl]
    return page


# --- The set --------------------------------------------------------------------------------------


# name -> (how an article is chosen, how the page is built)
LAYOUTS: list[tuple[str, str, Layout]] = [
    ("wp-jsonld", "alarabia", lambda s: wordpress(s)),
    ("wp-caption-pullquote", "alarabia", lambda s: wordpress(s, widgets=("caption", "pullquote"))),
    ("wp-captions-newsletter", "france24", lambda s: wordpress(s, widgets=("caption", "captions2", "newsletter"))),
    ("wp-comments", "skynews", lambda s: wordpress(s, widgets=("comments",))),
    (
        "wp-all-furniture",
        "CNN",
        lambda s: wordpress(s, widgets=("caption", "captions2", "pullquote", "newsletter", "comments")),
    ),
    ("next-plain", "skynews", lambda s: nextjs(s)),
    ("next-script-heavy", "skynews", lambda s: nextjs(s, state=14000, bundle=16000)),
    ("next-video-jw", "france24", lambda s: nextjs(s, widgets=("video",))),
    ("next-video-ar", "alarabia", lambda s: nextjs(s, widgets=("video-ar", "caption"))),
    ("next-consent", "CNN", lambda s: nextjs(s, widgets=("consent",))),
    ("next-consent-cmp", "skynews", lambda s: nextjs(s, widgets=("consent-cmp", "newsletter"))),
    ("next-pullquote", "france24", lambda s: nextjs(s, widgets=("pullquote", "caption"))),
    ("cnn-policy", "CNN", lambda s: cnn_like(s)),
    ("cnn-policy-caption", "CNN", lambda s: cnn_like(s, widgets=("caption",))),
    ("cnn-video-related", "CNN", lambda s: cnn_like(s, widgets=("video", "inline-related"))),
    ("cnn-skynews-policy", "skynews", lambda s: cnn_like(s, widgets=("inline-related",))),
    ("grid-plain", "alarabia", lambda s: bootstrap(s)),
    ("grid-consent", "skynews", lambda s: bootstrap(s, widgets=("consent",))),
    ("grid-caption-video", "france24", lambda s: bootstrap(s, widgets=("caption", "video"))),
    ("grid-pullquote", "alarabia", lambda s: bootstrap(s, widgets=("pullquote",))),
    ("grid-newsletter-cards", "skynews", lambda s: bootstrap(s, widgets=("newsletter", "related-cards"))),
    (
        "grid-everything",
        "CNN",
        lambda s: bootstrap(s, widgets=("consent", "caption", "pullquote", "video", "newsletter", "related-cards")),
    ),
    ("legacy-table", "france24", lambda s: legacy(s)),
    ("legacy-br", "alarabia", lambda s: legacy(s, br=True)),
    ("legacy-control-chars", "skynews", lambda s: legacy(s, control=True)),
    ("amp", "skynews", amp),
    ("script-only-jsonld", "alarabia", script_only),
    ("script-only-france24", "france24", script_only),
    ("interview-star-dash", "interview", lambda s: interview(s, style="star")),
    ("interview-sin-jim", "interview", lambda s: interview(s, style="sj")),
    ("interview-bold", "interview", lambda s: interview(s, style="bold")),
    ("text-cnn-policy", "CNN", lambda s: copied_text(s, policy=True)),
    ("text-control-chars", "skynews", lambda s: copied_text(s, policy=False, control=True)),
]
INTERVIEWS = ("SK-sport-708-20180416", "SK-internationalNews-2522-20180709")


def choose(rows: list[dict[str, Any]], rng: random.Random) -> list[tuple[str, dict[str, Any], Layout]]:
    """An article for every layout: 3 to 8 paragraphs, 500 to 1,800 characters; no article twice but interviews."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        paragraphs = [p for p in r["text"].split("\n") if p.strip()]
        if 3 <= len(paragraphs) <= 8 and 500 <= len(r["text"]) <= 1800 and not r["text"].lstrip().startswith("*"):
            by_source.setdefault(r["source"], []).append(r)
    interviews = [r for r in rows if r["id"] in INTERVIEWS]
    used: set[str] = set()
    chosen = []
    for i, (name, pick, layout) in enumerate(LAYOUTS):
        pool = interviews if pick == "interview" else by_source[pick]
        # The corpus holds two interviews written as turns: each is laid out in more than one style.
        candidates = pool if pick == "interview" else [r for r in pool if r["id"] not in used]
        row = candidates[i % len(candidates)] if pick == "interview" else rng.choice(candidates)
        used.add(row["id"])
        chosen.append((name, row, layout))
    return chosen


def build(rows: list[dict[str, Any]]) -> dict[str, str]:
    """File name -> content of every fixture file."""
    rng = random.Random(SEED)
    files: dict[str, str] = {}
    pool = [r for r in rows if 40 <= len(r["title"]) <= 90]
    for name, row, layout in choose(rows, rng):
        story = Story(row, random.Random(f"{SEED}-{name}"), rng.sample(pool, 6))
        page = layout(story)
        suffix = ".txt" if name.startswith("text-") else ".html"
        files[name + suffix] = page.content
        files[name + ".json"] = (
            json.dumps(
                {
                    "id": row["id"],
                    "source": row["source"],
                    "url": row["url"],
                    "layout": (layout.__doc__ or name),
                    "title": row["title"],
                    "body": row["text"],
                    "expect": page.expect,
                    "not_in_text": page.not_in_text,
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--news", type=Path, default=NEWS, help="the ANT corpus JSON lines")
    parser.add_argument("--check", action="store_true", help="compare with the committed pages, write nothing")
    args = parser.parse_args()
    if not args.news.exists():
        raise SystemExit(f"{args.news} not found: building the fixtures needs the team's shared data (../shared)")
    rows = [json.loads(line) for line in args.news.open(encoding="utf-8")]
    files = build(rows)
    if args.check:
        stale = [n for n, c in files.items() if not (OUT / n).exists() or (OUT / n).read_text(encoding="utf-8") != c]
        if stale:
            raise SystemExit(f"{len(stale)} fixture file(s) differ: {', '.join(stale[:5])}")
        print(f"{len(files)} fixture files match")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (OUT / name).write_text(content, encoding="utf-8")
    total = sum(len(c.encode("utf-8")) for c in files.values())
    print(f"wrote {len(files) // 2} pages ({total / 1024:.0f} KB with their expectations) to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
