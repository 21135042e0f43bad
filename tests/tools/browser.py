"""A real browser on khaosat serve's pages: headless Chromium through
WebDriver (Debian's chromium, chromium-driver and python3-selenium).

browser.py URL SHOTS STEP [ARG...]

URL is the address khaosat serve printed (with its key); SHOTS a folder
for a screenshot of each page the step sees.  Each step opens the
address first, as a person does, then works through the pages by
clicking and typing, and prints what the shell test checks.  It exits 1,
saying why, when a page is not what a person would see.

Steps:
  overview                 the overview page
  new-workshop             a workshop through the form: a wrong phone
                           refused at its field, fixed, a product added,
                           saved; prints the new record's id
  type-and-leave           a new workshop's name typed and a wrong phone,
                           left without pressing anything: prints the
                           problem shown under the phone as it was typed,
                           then the tab is closed
  edit ID FIELD VALUE      change one text field of a record and save
  settle ID TEXT           on the conflicts page, keep the proposal of
                           record ID whose value reads TEXT
  search WORDS             the records page, searched
  sync FOLDER              the sync page: sync with the stick at FOLDER,
                           watched until done; prints the report
  download DIR             the figures page, and the spreadsheet of every
                           kind downloaded into DIR; prints its path
  map ID LAT LON Z DX DY   record ID's map opened at LAT LON zoom Z (as
                           after zooming there), clicked DX, DY pixels
                           from its centre, zoomed in once on the point
                           chosen, and that position saved; prints the
                           point chosen, then the record's page
"""
import glob
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import (StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def fail(why):
    sys.stderr.write("browser: %s\n" % why)
    sys.exit(1)


def browser(downloads=None):
    o = Options()
    if downloads:
        o.add_experimental_option("prefs", {
            "download.default_directory": downloads,
            "download.prompt_for_download": False,
        })
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,1600",
              "--lang=vi", "--no-first-run"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def shot(d, shots, name):
    # the whole page, as tall as it is
    height = d.execute_script("return document.body.scrollHeight")
    d.set_window_size(1280, max(800, min(height + 40, 6000)))
    d.save_screenshot(os.path.join(shots, name + ".png"))


def centred(d, e):
    # as a person scrolls to it: in the middle, clear of the bar of buttons
    # that stays at the bottom of a form
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", e)
    return e


def field(d, pointer):
    return centred(d, d.find_element(By.ID, "f" + pointer))


def problems_at(d, pointer):
    """The problems shown in the field of `pointer`."""
    box = field(d, pointer).find_element(By.XPATH, "./..")
    return [li.text for li in box.find_elements(By.CSS_SELECTOR, "ul.problems li")]


def gone(page):
    """A wait's condition: the page `page` was the root of has been left.
    Chromium, asked in the instant the next page replaces it, may answer
    that the node is not in the document rather than that it is stale:
    either way it is gone."""
    def left(_):
        try:
            page.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True
    return left


def click(d, e):
    """Clicks `e` and waits for the page it leads to."""
    page = d.find_element(By.TAG_NAME, "html")
    centred(d, e).click()
    WebDriverWait(d, 30).until(gone(page))


def press(d, text):
    for b in d.find_elements(By.TAG_NAME, "button"):
        if b.text.strip() == text and b.is_displayed():
            click(d, b)
            return
    fail("no button %r on %s" % (text, d.current_url))


def main():
    url, shots, step, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    base = url.split("/?", 1)[0]
    os.makedirs(shots, exist_ok=True)
    downloads = os.path.abspath(args[0]) if step == "download" else None
    d = browser(downloads)
    try:
        d.get(url)      # the key becomes a cookie; the overview is shown
        if d.current_url != base + "/":
            fail("the key led to %s" % d.current_url)
        if step == "overview":
            shot(d, shots, "overview")
            print(d.find_element(By.TAG_NAME, "h1").text)
            for row in d.find_elements(By.CSS_SELECTOR, "table tr"):
                print(row.text)
        elif step == "new-workshop":
            click(d, d.find_element(By.LINK_TEXT, "Thêm hồ sơ"))
            click(d, d.find_element(By.PARTIAL_LINK_TEXT, "Cơ sở công nghiệp"))
            field(d, "/name").send_keys("Hộ kinh doanh Phạm Văn Tuấn")
            Select(field(d, "/legal_type")).select_by_visible_text("Hộ kinh doanh (HKD)")
            field(d, "/phone").send_keys("12345")
            field(d, "/address/commune_name").send_keys("Mỹ Đồng")
            field(d, "/address/province_name").send_keys("Hải Phòng")
            Select(field(d, "/trade_group")).select_by_visible_text(
                "Sản xuất đồ gỗ, mây tre đan, gốm sứ, thủy tinh, dệt may, sợi, thêu ren, đan lát, cơ khí nhỏ")
            field(d, "/workers/regular").send_keys("1.200")
            press(d, "Thêm Sản phẩm")
            field(d, "/products/0/name").send_keys("Nắp hố ga")
            press(d, "Lưu vào khảo sát")
            said = problems_at(d, "/phone")
            if not said:
                fail("the wrong phone was not shown at its field")
            shot(d, shots, "form-refused")
            print("refused: " + said[0])
            if field(d, "/products/0/name").get_attribute("value") != "Nắp hố ga":
                fail("the product typed was not kept")
            field(d, "/phone").clear()
            field(d, "/phone").send_keys("0912 345 678")
            press(d, "Lưu vào khảo sát")
            if "?saved=1" not in d.current_url:
                fail("not saved: still at %s" % d.current_url)
            shot(d, shots, "record")
            print("saved: " + d.current_url.split("/records/")[1].split("?")[0])
            print(d.find_element(By.CSS_SELECTOR, "p.said").text)
        elif step == "type-and-leave":
            d.get(base + "/new/workshop")
            field(d, "/name").send_keys("Hộ kinh doanh Gõ Dở")
            field(d, "/phone").send_keys("12345")
            field(d, "/address/commune_name").click()   # the phone is left
            for _ in range(100):
                live = d.find_elements(By.CSS_SELECTOR, "ul.problems.live li")
                kept = d.find_element(By.ID, "kept").text
                if live and kept:
                    break
                time.sleep(0.1)
            else:
                fail("nothing was shown under the phone while typing")
            shot(d, shots, "form-typing")
            print("live: " + live[0].text)
            print("kept: " + kept)
            if problems_at(d, "/name"):
                fail("the name, which is fine, shows a problem")
        elif step == "edit":
            rid, pointer, value = args
            d.get(base + "/records/" + rid)
            click(d, d.find_element(By.LINK_TEXT, "Sửa hồ sơ này"))
            shot(d, shots, "edit")
            field(d, pointer).clear()
            field(d, pointer).send_keys(value)
            press(d, "Lưu vào khảo sát")
            if "?saved=1" not in d.current_url:
                fail("not saved: still at %s" % d.current_url)
            print(d.find_element(By.CSS_SELECTOR, "p.said").text)
        elif step == "settle":
            rid, text = args
            click(d, d.find_element(By.LINK_TEXT, "Xung đột"))
            shot(d, shots, "conflicts")
            for sec in d.find_elements(By.CSS_SELECTOR, "section.conflict"):
                if not sec.find_elements(By.LINK_TEXT, rid):
                    continue
                for row in sec.find_elements(By.CSS_SELECTOR, "tr"):
                    cells = row.find_elements(By.TAG_NAME, "td")
                    if len(cells) == 3 and cells[1].text == text and cells[0].text.isdigit():
                        n = cells[0].text
                        click(d, sec.find_element(
                            By.CSS_SELECTOR, "button[value='%s']" % n))
                        print(d.find_element(By.CSS_SELECTOR, "p.said").text)
                        return
            fail("no proposal %r for %s" % (text, rid))
        elif step == "search":
            click(d, d.find_element(By.LINK_TEXT, "Hồ sơ"))
            box = d.find_element(By.CSS_SELECTOR, "form.search input[type=search]")
            box.send_keys(" ".join(args))
            click(d, d.find_element(By.CSS_SELECTOR, "form.search button"))
            shot(d, shots, "records")
            for row in d.find_elements(By.CSS_SELECTOR, "table tr"):
                print(row.text)
        elif step == "sync":
            click(d, d.find_element(By.LINK_TEXT, "Đồng bộ"))
            d.find_element(By.ID, "stick").send_keys(args[0])
            click(d, d.find_element(By.CSS_SELECTOR, "form.sync button"))
            for _ in range(300):
                said = d.find_elements(By.CSS_SELECTOR, "p.said, p.bad")
                try:
                    if said and "Đang đồng bộ" not in said[0].text:
                        break
                except (StaleElementReferenceException, WebDriverException):
                    # the page refreshed between the two (Chromium may say
                    # the node is not in the document, as gone() knows)
                    pass
                time.sleep(0.1)
            shot(d, shots, "sync")
            print(d.find_element(By.CSS_SELECTOR, "p.said").text)
            print(d.find_element(By.CSS_SELECTOR, "pre.report").text)
        elif step == "attach":
            rid, caption = args[0], args[1]
            d.get(base + "/records/" + rid)
            form = d.find_element(By.CSS_SELECTOR, "form.attach")
            form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
                "\n".join(os.path.abspath(p) for p in args[2:]))
            form.find_element(By.NAME, "caption").send_keys(caption)
            click(d, form.find_element(By.TAG_NAME, "button"))
            if "?saved=1" not in d.current_url:
                fail("not attached: at %s: %s" % (d.current_url,
                     d.find_element(By.TAG_NAME, "body").text[:300]))
            imgs = d.find_elements(By.CSS_SELECTOR, ".gallery img")
            for img in imgs:
                if not d.execute_script("return arguments[0].complete && "
                                        "arguments[0].naturalWidth > 0", img):
                    fail("a photo on the page did not load: %s" % img.get_attribute("src"))
            shot(d, shots, "photos")
            print("photos shown: %d" % len(imgs))
        elif step == "map":
            rid, lat, lon, z, dx, dy = args
            d.get(base + "/records/" + rid)
            click(d, d.find_element(By.CSS_SELECTOR, "a.map"))
            d.get("%s/records/%s/map?lat=%s&lon=%s&z=%s" % (base, rid, lat, lon, z))
            img = d.find_element(By.CSS_SELECTOR, "form.map input[type=image]")
            # an image button has no naturalWidth: its picture, as an image
            width = d.execute_async_script(
                "var done = arguments[1], i = new Image();"
                "i.onload = function () { done(i.naturalWidth); };"
                "i.onerror = function () { done(0); };"
                "i.src = arguments[0].src;", img)
            if not width:
                fail("the map did not load: %s" % img.get_attribute("src"))
            page = d.find_element(By.TAG_NAME, "html")
            centred(d, img)
            ActionChains(d).move_to_element_with_offset(img, int(dx), int(dy)).click().perform()
            WebDriverWait(d, 30).until(gone(page))
            print(d.find_element(By.CSS_SELECTOR, "p.picked").text)
            click(d, d.find_element(By.CSS_SELECTOR, "a.zoom-in"))
            shot(d, shots, "map")
            click(d, d.find_element(By.CSS_SELECTOR, "form.position button"))
            if "?saved=1" not in d.current_url:
                fail("not saved: at %s: %s" % (d.current_url,
                     d.find_element(By.TAG_NAME, "body").text[:300]))
            print(d.find_element(By.TAG_NAME, "main").text)
        elif step == "download":
            os.makedirs(downloads, exist_ok=True)
            d.execute_cdp_cmd("Page.setDownloadBehavior",
                              {"behavior": "allow", "downloadPath": downloads})
            click(d, d.find_element(By.LINK_TEXT, "Số liệu và xuất dữ liệu"))
            shot(d, shots, "figures")
            d.find_element(By.CSS_SELECTOR, "form.export button").click()
            for _ in range(300):
                done = [f for f in glob.glob(os.path.join(downloads, "*"))
                        if not f.endswith(".crdownload")]
                if done:
                    print(done[0])
                    return
                time.sleep(0.1)
            fail("nothing was downloaded")
        else:
            fail("no step %r" % step)
    finally:
        d.quit()


main()
