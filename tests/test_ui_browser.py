"""The chat UI in a real Chromium (Debian's, driven by Playwright): what a reader sees.

The app serves a private index (it uploads articles), on 127.0.0.1, in this process.
Screenshots go to tests/artifacts/; docs/screenshot.png is rewritten when missing or
when NEWSQA_UPDATE_SCREENSHOT=1.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import isolated_data_dir, serve
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); the CI script installs it",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOT = ROOT / "docs" / "screenshot.png"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
BOT = '[data-testid="bot"]'
FERRY_MD = """---
title: New ferry Morning Lark launched in Wonsan
outlet: Harbour Gazette
date: 2025-07-04
---
# New ferry Morning Lark launched in Wonsan

WONSAN, July 4 (Harbour Gazette) — A passenger ferry named Morning Lark was launched in Wonsan on 3 July, port officials said.

The ferry can carry 412 passengers and will sail twice a week along the east coast, the officials added.
"""
XSS_MD = f"""---
title: Harbour notice {XSS}
outlet: Test Wire
date: 2025-07-05
---
The harbour master of Chongjin posted a notice reading {XSS} on the quay gate on 5 July.

The notice asked the crew of the blue trawler Seagull Nine to report to the harbour office.
"""


expect.set_options(timeout=30_000)  # the default 5 s is too tight for a first answer on 2 cores


@pytest.fixture(scope="module")
def app_url(seeded_dir) -> Iterator[str]:
    from ui.launch import warm

    with isolated_data_dir():
        warm()  # index the seeds now, as `assistant ui` does before it serves
        with serve() as url:
            yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(app_url, wait_until="domcontentloaded")  # networkidle never settles on a Gradio page
    pg.locator("#newsqa-question textarea").wait_for()
    yield pg
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ask(page: Page, question: str) -> Locator:
    """Type a question, press Ask, return the new bot message once it is there."""
    n = page.locator(BOT).count()
    page.locator("#newsqa-question textarea").fill(question)
    page.locator("#newsqa-ask").click()
    expect(page.locator(BOT)).to_have_count(n + 1)
    return page.locator(BOT).nth(n)


def upload(page: Page, *files: Path) -> str:
    """Upload files in the Corpus tab; return the ingest report text."""
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#newsqa-upload input[type=file]").set_input_files([str(f) for f in files])
    report = page.locator("#newsqa-ingest-report", has_text="Upload finished")
    report.wait_for(timeout=120_000)
    return report.inner_text()


def squash(text: str) -> str:
    return " ".join(text.split())


def test_answer_cites_and_opens_the_highlighted_source(page: Page):
    answer = ask(page, "Where did Kim Jong Un meet the Russian culture minister?")
    expect(answer).to_contain_text("[1]")
    expect(answer).to_contain_text("Pyongyang")
    sources = page.locator("#newsqa-sources")
    expect(sources).to_be_visible()
    expect(sources).to_contain_text("Sources of the last answer")
    sources.locator("label").filter(has_text=re.compile(r"^\s*\[1\]")).click()

    mark = page.locator("#newsqa-article mark#newsqa-cite-1")
    expect(mark).to_be_visible()
    quote = squash(mark.inner_text())
    assert len(quote) > 20 and f"“{quote}” [1]" in squash(answer.inner_text())
    expect(page.locator("#newsqa-article .newsqa-title")).not_to_be_empty()
    expect(page.locator("#newsqa-article .newsqa-meta")).not_to_be_empty()
    page.wait_for_timeout(300)  # the scroll happens on the next animation frame
    expect(mark).to_be_in_viewport()
    inside = mark.evaluate(
        """m => { const b = m.closest('.newsqa-body').getBoundingClientRect(), r = m.getBoundingClientRect();
                  return r.top >= b.top - 1 && r.top < b.bottom && r.top >= 0 && r.top < innerHeight; }"""
    )
    assert inside, "the highlighted quote is not scrolled into view"
    shot(page, "answer_with_source")
    if not SCREENSHOT.exists() or os.environ.get("NEWSQA_UPDATE_SCREENSHOT") == "1":
        # For the README: the question too, not just the end of the answer.
        page.locator("#newsqa-chat").evaluate(
            "c => c.querySelectorAll('*').forEach(e => { if (e.scrollHeight > e.clientHeight + 4) e.scrollTop = 0; })"
        )
        page.wait_for_timeout(200)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))


def test_declined_answer_is_a_distinct_notice(page: Page):
    answer = ask(page, "What is the capital of France?")
    expect(answer.locator(".newsqa-declined")).to_be_visible()
    expect(answer).to_contain_text("The articles don't say")
    expect(page.locator("#newsqa-sources")).to_be_hidden()
    shot(page, "declined")


def test_not_stated_shows_the_closest_passages_as_context_not_an_answer(page: Page):
    answer = ask(page, "How many troops has Belarus sent to Russia?")
    notice = answer.locator(".newsqa-not-stated")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Not stated in the articles.")
    expect(notice).to_contain_text("They don't tie Belarus to what you asked.")
    expect(answer.locator(".newsqa-declined")).to_have_count(0)  # not the no-match notice either
    # North Korea's figure is quoted as context, never shown in bold as the answer
    expect(answer.locator("blockquote").first).to_contain_text("11,000")
    expect(answer.locator("strong", has_text="11,000")).to_have_count(0)
    expect(answer).to_contain_text("[1]")
    # the passages are cited like any quote: the first opens in its article, highlighted
    sources = page.locator("#newsqa-sources")
    expect(sources).to_be_visible()
    expect(sources).to_contain_text("Closest passages (they do not answer the last question)")
    sources.locator("label").first.click()
    mark = page.locator("#newsqa-article mark.newsqa-mark")
    expect(mark).to_be_visible()
    assert squash(mark.inner_text()) in squash(answer.inner_text())
    shot(page, "not_stated")


def click_example(page: Page, question: str) -> Locator:
    """Press one of the example-question buttons; return the new bot message."""
    n = page.locator(BOT).count()
    page.locator("#newsqa-examples button", has_text=question).click()
    expect(page.locator(BOT)).to_have_count(n + 1)
    return page.locator(BOT).nth(n)


def test_follow_up_uses_the_conversation(page: Page):
    first = click_example(page, "Which Russian security official visited Pyongyang in June?")
    expect(first).to_contain_text("[1]")
    expect(first.locator("strong", has_text="Shoigu")).not_to_have_count(0)  # answered, in bold
    second = click_example(page, "When did he visit Pyongyang?")
    expect(second).to_contain_text("[1]")
    text = second.inner_text()
    shot(page, "follow_up")
    # "he" reached the engine as the person the first answer named: his visits' dates
    assert "June 4" in text and "Shoigu" in text, text


def test_uploaded_article_is_listed_and_answered_at_once(page: Page, tmp_path: Path):
    ferry, empty = tmp_path / "ferry.md", tmp_path / "empty.txt"
    ferry.write_text(FERRY_MD, encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    report = upload(page, ferry, empty)
    assert "Added: New ferry Morning Lark launched in Wonsan" in report, report
    assert "Could not read empty.txt" in report and "empty" in report.split("empty.txt", 1)[1], report
    table = page.locator("#newsqa-corpus-table")
    expect(table).to_contain_text("New ferry Morning Lark launched in Wonsan")
    shot(page, "corpus_after_upload")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "What ferry was launched in Wonsan on 3 July?")
    expect(answer).to_contain_text("Morning Lark")
    expect(answer).to_contain_text("Harbour Gazette")
    # a date without its year, placed from the article's date and shown beside the verbatim answer
    answer = ask(page, "When was the ferry Morning Lark launched?")
    expect(answer.locator("strong").first).to_have_text("3 July")
    expect(answer).to_contain_text("3 July is July 3, 2025 (counted from the date of [1])")


def test_html_in_a_question_is_shown_as_text(page: Page):
    ask(page, f"Where did Kim Jong Un meet the Russian culture minister? {XSS}")
    user = page.locator('[data-testid="user"]').last
    expect(user).to_contain_text(XSS)
    assert user.locator("img, script").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    shot(page, "xss_question")


def test_html_in_an_uploaded_article_is_shown_as_text(page: Page, tmp_path: Path):
    notice = tmp_path / "notice.md"
    notice.write_text(XSS_MD, encoding="utf-8")
    assert "Added: Harbour notice" in upload(page, notice)

    page.locator("#newsqa-corpus-table").get_by_text("Harbour notice").first.click()
    panel = page.locator("#newsqa-article")
    expect(panel.locator(".newsqa-title")).to_contain_text(f"Harbour notice {XSS}")
    expect(panel.locator(".newsqa-body")).to_contain_text(f"notice reading {XSS} on the quay gate")
    assert panel.locator("img, script").count() == 0
    shot(page, "xss_article")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "What did the notice of the harbour master of Chongjin read?")
    expect(answer).to_contain_text(XSS)
    assert answer.locator("img, script").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None


# --- the chat's own clear button, uploads, not_stated scrolling, removed sources ---------------

def test_the_chat_trash_icon_forgets_the_conversation_too(page: Page):
    first = click_example(page, "Which Russian security official visited Pyongyang in June?")
    expect(first.locator("strong", has_text="Shoigu")).not_to_have_count(0)
    page.locator("#newsqa-chat button[aria-label='Clear']").click()
    expect(page.locator(BOT)).to_have_count(0)
    page.wait_for_timeout(1000)  # the clear event's round trip
    sources_hidden = page.locator("#newsqa-sources").is_hidden()
    # "he" has nobody to stand for in an empty conversation: no answer, not Shoigu's dates
    answer = ask(page, "When did he visit Pyongyang?")
    expect(answer.locator(".newsqa-not-stated, .newsqa-declined")).to_have_count(1)
    expect(answer.locator("strong", has_text="June 4")).to_have_count(0)
    shot(page, "after_trash_icon")
    assert sources_hidden, "the last answer's sources are still offered after the trash icon"


def wait_for_new_report(page: Page, before: str) -> str:
    """The next ingest report (its Markdown, not the progress shown over it)."""
    report = page.locator("#newsqa-ingest-report [data-testid=markdown]")
    expect(report).not_to_have_text(before, timeout=120_000)
    expect(report).to_contain_text("Upload finished", timeout=120_000)
    return report.inner_text()


def test_each_upload_ingests_only_the_files_just_chosen(page: Page, tmp_path: Path):
    ship, garbage, empty = tmp_path / "ship.md", tmp_path / "garbage.txt", tmp_path / "empty.txt"
    ship.write_text(FERRY_MD.replace("New ferry Morning Lark", "Cargo ship Blue Heron"), encoding="utf-8")
    garbage.write_bytes(b"\x00\x01\x02\xff\xfe garbage \x00" * 20)
    empty.write_text("", encoding="utf-8")
    first = upload(page, ship, garbage, empty)
    assert "Could not read garbage.txt" in first and "Could not read empty.txt" in first, first
    listed = page.locator("#newsqa-upload td.filename")
    expect(listed).to_have_count(0)  # the box is emptied; the report stays
    expect(page.locator("#newsqa-ingest-report")).to_contain_text("Could not read garbage.txt")

    before = page.locator("#newsqa-ingest-report [data-testid=markdown]").inner_text()
    page.locator("#newsqa-upload input[type=file]").set_input_files([str(ship)])
    second = wait_for_new_report(page, before)
    assert "garbage.txt" not in second and "empty.txt" not in second, second
    assert "Unchanged: Cargo ship Blue Heron" in second, second
    expect(listed).to_have_count(0)
    shot(page, "second_upload")


def visible_in_chat(page: Page, pattern: str) -> list[str]:
    """Text of the chat that matches ``pattern`` (a JS regex) and is inside the chat's
    scrolled viewport, not scrolled out of it."""
    return page.locator("#newsqa-chat").evaluate(
        """(chat, pattern) => {
          const re = new RegExp(pattern, 'i'), out = [];
          const walker = document.createTreeWalker(chat, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!re.test(n.textContent)) continue;
            const range = document.createRange(); range.selectNodeContents(n);
            const r = range.getBoundingClientRect();
            let box = n.parentElement;  // the nearest scrolling ancestor clips it
            while (box && box !== chat && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
            const v = box.getBoundingClientRect();
            if (r.height && r.top >= v.top - 1 && r.bottom <= v.bottom + 1 && r.top >= 0 && r.bottom <= innerHeight)
              out.push(n.textContent);
          }
          return out;
        }""",
        pattern,
    )


def test_after_a_not_stated_reply_the_visible_chat_says_it_is_not_an_answer(page: Page):
    ask(page, "Where did Kim Jong Un meet the Russian culture minister?")
    answer = ask(page, "How many troops has Belarus sent to Russia?")
    expect(answer.locator(".newsqa-not-stated")).to_have_count(1)
    page.wait_for_timeout(800)  # any scrolling of the chat is done by now
    shot(page, "not_stated_viewport")
    assert visible_in_chat(page, r"not (as )?an answer"), "the part of the reply in view reads like an answer"


def test_a_source_removed_since_the_answer_says_so_in_ui_words(page: Page, tmp_path: Path):
    article = tmp_path / "dredger.md"
    article.write_text(FERRY_MD.replace("New ferry Morning Lark", "Dredger Grey Gull")
                       .replace("passenger ferry named Morning Lark", "dredger named Grey Gull"), encoding="utf-8")
    assert "Added: Dredger Grey Gull launched in Wonsan" in upload(page, article)
    page.get_by_role("tab", name="Chat").click()
    expect(ask(page, "What dredger was launched in Wonsan on 3 July?")).to_contain_text("Grey Gull")

    page.get_by_role("tab", name="Corpus").click()
    page.locator("#newsqa-corpus-table").get_by_text("Dredger Grey Gull").first.click()
    page.locator("#newsqa-remove").click()
    page.locator("#newsqa-remove-yes").click()
    expect(page.locator("#newsqa-ingest-report")).to_contain_text("Removed: Dredger Grey Gull")

    page.get_by_role("tab", name="Chat").click()
    page.locator("#newsqa-sources label").filter(has_text="Dredger Grey Gull").first.click()
    panel = page.locator("#newsqa-article")
    expect(panel).to_contain_text("removed from the corpus")
    expect(panel).not_to_contain_text("assistant articles")
