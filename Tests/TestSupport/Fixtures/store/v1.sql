-- A watchlist file as refundwatch's first release (schema v1) wrote it, written out as literal SQL
-- so that it never changes with the code: the tables of migration v1, GRDB's record of the
-- migrations applied, and rows of each kind. RefundStoreTests opens it with today's refundwatch
-- and checks that it upgrades in place with its data.
--
-- Summaries are JSON only in v1 (v2 copies them into columns): amounts as {"amount", "currency"},
-- stages counted by name, ARN deadlines in seconds since 2001-01-01 (Foundation's reference
-- date: 815000000.5 is 2026-10-29 10:53:20.5 UTC, 1793307200.5 since 1970), ARNs as a list
-- (absent in the earliest files).

PRAGMA application_id = 1380341571;

CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations (identifier) VALUES ('v1: watchlist, last reports, history');

CREATE TABLE "tracked_order" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "reference_id" TEXT NOT NULL,
    "phone_number_id" TEXT,
    "payment_config_id" TEXT,
    "label" TEXT,
    "added_at" DATETIME NOT NULL
);
CREATE UNIQUE INDEX tracked_order_key
    ON tracked_order(reference_id, IFNULL(phone_number_id, ''), IFNULL(payment_config_id, ''));
CREATE TABLE "order_state" (
    "order_id" INTEGER PRIMARY KEY REFERENCES "tracked_order"("id") ON DELETE CASCADE,
    "report" BLOB,
    "summary" BLOB,
    "fetched_at" DATETIME,
    "changed_at" DATETIME,
    "attempted_at" DATETIME,
    "error_category" TEXT,
    "error_service" TEXT,
    "error_message" TEXT,
    "failed_at" DATETIME
);
CREATE TABLE "history" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "order_id" INTEGER NOT NULL REFERENCES "tracked_order"("id") ON DELETE CASCADE,
    "seen_at" DATETIME NOT NULL,
    "transaction_id" TEXT,
    "refund_id" TEXT,
    "field" TEXT NOT NULL,
    "old_value" TEXT,
    "new_value" TEXT
);
CREATE INDEX "history_by_order" ON "history"("order_id", "seen_at");
CREATE TABLE "store_meta" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);

INSERT INTO tracked_order (id, reference_id, phone_number_id, payment_config_id, label, added_at) VALUES
    (1, 'ORD-20261001-0001', NULL, NULL, 'escalated', '2026-10-01 04:00:00.000'),
    (2, 'ORD-20261001-0002', '919876543210', 'refundwatch-config', NULL, '2026-10-01 04:00:01.000'),
    (3, 'ORD-20261001-0003', NULL, NULL, NULL, '2026-10-01 04:00:02.000'),
    (4, 'ORD-20261001-0004', NULL, NULL, NULL, '2026-10-01 04:00:03.000');

-- Fetched: three refunds at three stages, one ARN missing, ARNs with a % and a line break.
INSERT INTO order_state (order_id, report, summary, fetched_at, changed_at, attempted_at) VALUES (1,
    CAST('{"fetched_at":"2026-10-01T04:30:00Z","payment":{"amount":{"amount":"2100.00","currency":"INR"},"currency":"INR","reference_id":"ORD-20261001-0001","status":"captured","transactions":[]},"reference_id":"ORD-20261001-0001","transactions":[]}' AS BLOB),
    CAST('{"payment_status":"captured","amount":{"amount":"2100.00","currency":"INR"},"transaction_count":1,"refund_count":3,"refund_total":{"amount":"1500.00","currency":"INR"},"stages":{"no ARN yet":1,"in progress":1,"settled":1},"arn_present":1,"arn_missing":1,"arn_deadlines":[815000000.5],"payu_errors":0,"arns":["ARN%1","line\nbreak"]}' AS BLOB),
    '2026-10-01 04:30:00.000', '2026-10-01 04:30:00.000', '2026-10-01 04:30:00.000');

-- Fetched by an early v1, whose summaries had no "arns" yet; one failed refund, amount unknown.
INSERT INTO order_state (order_id, report, summary, fetched_at, attempted_at) VALUES (2,
    CAST('{"fetched_at":"2026-10-01T04:31:00Z","payment":{"currency":"INR","reference_id":"ORD-20261001-0002","status":"captured","transactions":[]},"reference_id":"ORD-20261001-0002","transactions":[]}' AS BLOB),
    CAST('{"payment_status":"captured","transaction_count":1,"refund_count":1,"stages":{"failed":1},"arn_present":0,"arn_missing":0,"arn_deadlines":[],"payu_errors":0}' AS BLOB),
    '2026-10-01 04:31:00.000', '2026-10-01 04:31:00.000');

-- Order 3 was never fetched (no row). Order 4's only fetch failed.
INSERT INTO order_state (order_id, attempted_at, error_category, error_service, error_message, failed_at) VALUES
    (4, '2026-10-01 04:32:00.000', 'network', 'kaleyra', 'Kaleyra did not answer within 20 s.', '2026-10-01 04:32:00.000');

INSERT INTO history (order_id, seen_at, transaction_id, refund_id, field, old_value, new_value) VALUES
    (1, '2026-10-01 04:00:30.000', NULL, NULL, 'appeared', NULL, 'captured'),
    (1, '2026-10-01 04:30:00.000', '403993715529606983', '782692028', 'arn', NULL, 'ARN%1');

INSERT INTO store_meta (key, value) VALUES ('demo_epoch', '1793000000');
