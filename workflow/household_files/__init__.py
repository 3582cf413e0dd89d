"""一户一档 (one household, one file): a household's whole archive as one PDF package.

Cover, table of contents with page numbers, every case's archive cover, sheet, notice
and announcement, the evidence (photos one per page, PDFs appended) in case order then
upload order, the 明白卡 where the household has one, and a last page listing every
part with its pages, SHA-256 and verification code. Made in the background (the
``household_files`` job) for one household, a village or a township (a zip of one PDF
per household); the package's own code is checked at ``/verify/household-file/<code>``,
which says part by part whether it is still current.
"""
