"""Printouts for thermal ESC/POS printers: layout blocks → picture → ESC/POS bytes → printer.

- `raster`: draws the blocks (counter.domain.slip) with the bundled Noto Sans.
- `escpos`: wraps the picture in an ESC/POS job with python-escpos.
- `jobs`: one call per printout (slip, ticket, supplement request, test page).
- `backends`: sends a job to tcp://, usb://, file: or win32:// printers, with a deadline.
"""
