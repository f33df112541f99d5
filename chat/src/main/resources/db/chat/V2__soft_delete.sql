-- A message its author deletes stays as a row (so record ids, history pages and the change stream stay
-- consistent) with its text erased and this flag set; the change connector publishes it as an UPDATE.
ALTER TABLE chat_data ADD COLUMN IF NOT EXISTS is_deleted BOOLEAN NOT NULL DEFAULT FALSE;
