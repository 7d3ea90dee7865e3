"""Printouts for thermal ESC/POS printers: layout blocks → picture → ESC/POS bytes → printer.

- `raster`: draws the roll layouts (counter.domain.printed) with the bundled Noto Sans.
- `escpos`: wraps the picture in an ESC/POS job with python-escpos.
- `jobs`: one call per printout (slip, ticket, supplement request, test page).
- `qr`: the QR code, one way for the roll (raster) and the sheets (SVG).
- `backends`: sends a job to tcp://, usb://, file: or win32:// printers, with a deadline.
"""
