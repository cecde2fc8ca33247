-- PostgreSQL only (the triggers that tell every instance's session cache what to forget,
-- issue 15). SQLite serves one process, which has no session cache; the number is kept so
-- that both backends' migrations stay in step.
SELECT 1;
