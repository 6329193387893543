-- Erasure compares the 'erased:' prefix exactly. LIKE ignores the case of
-- ASCII letters, so the trigger of 0001 took a live request of a subject
-- such as 'ERASED:bob' for an erased one and refused to erase it.
DROP TRIGGER IF EXISTS requests_erasure_only;

CREATE TRIGGER requests_erasure_only
BEFORE UPDATE OF subject, text_ref ON requests
WHEN NEW.subject IS NOT OLD.subject OR NEW.text_ref IS NOT OLD.text_ref
BEGIN
	SELECT RAISE(ABORT, 'requests: what was filed does not change')
	WHERE substr(OLD.subject, 1, 7) = 'erased:' OR substr(NEW.subject, 1, 7) <> 'erased:' OR NEW.text_ref <> ''
		OR OLD.status = 'received';
END;
