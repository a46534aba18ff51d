-- READMEs are rendered once, when a version is stored, under a CPU budget;
-- pages serve this HTML and never render Markdown (issue 8, review H3).
-- Versions stored before this migration have NULL here and their README is
-- shown as escaped text until `depotctl render-readmes` renders them.
ALTER TABLE versions ADD COLUMN readme_html MEDIUMTEXT NULL AFTER readme;
