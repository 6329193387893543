-- Erasure compares the 'erased:' prefix exactly. LIKE ignores the case of
-- ASCII letters, so the trigger of 0001 took a subject such as
-- 'ERASED:bob' for an erased one and refused to erase it.
DROP TRIGGER IF EXISTS breach_subjects_erasure_only;

CREATE TRIGGER breach_subjects_erasure_only
BEFORE UPDATE ON breach_subjects
BEGIN
	SELECT RAISE(ABORT, 'breaches: a subject of an incident changes only by erasure')
	WHERE NEW.breach_id IS NOT OLD.breach_id OR substr(OLD.subject, 1, 7) = 'erased:' OR substr(NEW.subject, 1, 7) <> 'erased:'
		OR (SELECT subjects_notified_us FROM breaches WHERE id = OLD.breach_id) IS NULL;
END;
