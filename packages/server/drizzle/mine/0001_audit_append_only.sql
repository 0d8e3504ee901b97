-- The command audit is evidence: once written, a row can be neither changed nor removed, whoever asks.
CREATE OR REPLACE FUNCTION mine_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'mine_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER mine_audit_no_update_delete BEFORE UPDATE OR DELETE ON mine_audit FOR EACH ROW EXECUTE FUNCTION mine_audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mine_audit_no_truncate BEFORE TRUNCATE ON mine_audit FOR EACH STATEMENT EXECUTE FUNCTION mine_audit_refuse_change();
