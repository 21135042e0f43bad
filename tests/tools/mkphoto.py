"""Makes test photos with Debian's python3-pil: a picture drawn here (bands
of colour and a marker in the top left corner, so that a turn can be seen),
with EXIF as a phone writes it.

    /usr/bin/python3 mkphoto.py OUT [--size WxH] [--format jpeg|png|webp]
        [--gps LAT,LON] [--taken "YYYY:MM:DD HH:MM:SS"] [--zone +07:00]
        [--orientation N] [--camera] [--text WORDS] [--quality Q]

--camera adds what a phone's camera says of itself and its owner (make,
model, body serial number, owner name, software), which khaosat must not
keep.  EXIF is written with exiftool.  Prints nothing; exits 2 when PIL
is missing.
"""
import argparse
import subprocess
import sys

try:
    from PIL import Image, ImageDraw
except ImportError:
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--format", default="jpeg")
    ap.add_argument("--gps")
    ap.add_argument("--taken")
    ap.add_argument("--zone")
    ap.add_argument("--orientation", type=int)
    ap.add_argument("--camera", action="store_true")
    ap.add_argument("--text", help="words drawn large in the middle")
    ap.add_argument("--quality", type=int, default=92)
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    im = Image.new("RGB", (w, h), (40, 90, 160))
    dr = ImageDraw.Draw(im)
    for i in range(0, h, max(1, h // 8)):
        dr.rectangle([0, i, w, i + max(1, h // 16)], fill=(200, 120 + i % 100, 40))
    dr.rectangle([0, 0, w // 5, h // 5], fill=(255, 0, 0))
    if a.text:
        from PIL import ImageFont
        try:
            font = ImageFont.truetype("DejaVuSans-Bold.ttf", max(12, h // 12))
        except OSError:
            font = ImageFont.load_default()
        box = dr.textbbox((0, 0), a.text, font=font)
        x, y = (w - (box[2] - box[0])) // 2, (h - (box[3] - box[1])) // 2
        dr.rectangle([x - 20, y - 20, x + box[2] - box[0] + 20, y + box[3] - box[1] + 30],
                     fill=(250, 245, 230))
        dr.text((x, y), a.text, fill=(120, 20, 20), font=font)
    fmt = a.format.upper()
    im.save(a.out, fmt, **({"quality": a.quality} if fmt == "JPEG" else {}))
    # EXIF is written by exiftool, as a camera would lay it out
    tags = []
    if a.orientation:
        tags.append("-IFD0:Orientation#=%d" % a.orientation)
    if a.camera:
        tags += ["-Make=PhoneMaker", "-Model=Phone X 12", "-Software=Camera 4.2",
                 "-Artist=Nguyen Van Chu", "-SerialNumber=SN-99887766",
                 "-OwnerName=Nguyen Van Chu"]
    if a.taken:
        tags.append("-DateTimeOriginal=" + a.taken)
    if a.zone:
        tags.append("-OffsetTimeOriginal=" + a.zone)
    if a.gps:
        lat, lon = (float(x) for x in a.gps.split(","))
        tags += ["-GPSLatitude=%f" % abs(lat), "-GPSLatitudeRef=" + ("N" if lat >= 0 else "S"),
                 "-GPSLongitude=%f" % abs(lon), "-GPSLongitudeRef=" + ("E" if lon >= 0 else "W")]
    if tags:
        subprocess.run(["exiftool", "-q", "-overwrite_original"] + tags + [a.out],
                       check=True)


main()
