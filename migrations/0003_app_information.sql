-- The listing fields of the "App information" page. Empty text means not
-- filled in yet; categories are comma-separated slugs from the fixed list.
ALTER TABLE apps ADD COLUMN short_description TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN long_description TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN privacy_url TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN support_url TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN configure_url TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN categories TEXT NOT NULL DEFAULT '';
