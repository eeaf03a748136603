"""What people take away: the Excel workbook, the one-page briefing and chart images.

Each export is a function returning bytes or text, so the CLI writes it atomically and the app offers
it as a download:

* :func:`costmodel.export.excel.workbook_bytes` -> ``.xlsx`` bytes;
* :func:`costmodel.export.brief.brief_html`, :func:`~costmodel.export.brief.brief_markdown`,
  :func:`~costmodel.export.brief.brief_pdf` -> the one-page briefing;
* :func:`costmodel.export.images.chart_image` -> PNG or SVG bytes of any chart kind.

Heavy libraries (XlsxWriter, Altair, vl-convert) are imported inside those functions' modules only.
"""
