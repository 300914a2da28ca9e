-- Dashboard sign-in throttle (web::pages::login): the failed sign-ins of
-- one account in the last minutes are counted from the audit log, so every
-- instance on one database sees the same count. This partial index keeps
-- that count from reading the whole log.
CREATE INDEX audit_sign_in_failed ON audit (user_id, at) WHERE action = 'sign_in_failed';
