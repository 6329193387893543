-- Erasure (claims.Forgetter): the subject of a claim no longer awaiting
-- its answer may be replaced, once, by an 'erased:' tombstone, and its
-- text reference emptied. Everything else that was filed stays fixed, and
-- no claim is deleted.
DROP TRIGGER IF EXISTS claims_filing_fixed;

CREATE TRIGGER claims_filing_fixed
BEFORE UPDATE OF id, channel, topic, received_us, received_ns, due_us, due_ns, filed_us ON claims
BEGIN
	SELECT RAISE(ABORT, 'claims: what was filed does not change');
END;

CREATE TRIGGER claims_erasure_only
BEFORE UPDATE OF subject, text_ref ON claims
WHEN NEW.subject IS NOT OLD.subject OR NEW.text_ref IS NOT OLD.text_ref
BEGIN
	SELECT RAISE(ABORT, 'claims: what was filed does not change')
	WHERE OLD.subject LIKE 'erased:%' OR NEW.subject NOT LIKE 'erased:%' OR NEW.text_ref <> ''
		OR OLD.status = 'received';
END;

CREATE TRIGGER claims_not_deleted
BEFORE DELETE ON claims
BEGIN
	SELECT RAISE(ABORT, 'claims: claims are not deleted');
END;
