import Foundation
import GRDB

/// The database layout, as GRDB migrations. A released migration is never edited: a change is a new
/// migration, so every older file upgrades in place and a newer file is recognised.
///
/// Each migration is literal SQL, written out in full. None may build its SQL from today's Swift
/// types (the refund stages, the summary's fields): adding a stage tomorrow would then silently
/// change what an old migration does to a file that has not run it yet.
enum Schema {
    /// `PRAGMA application_id`: "RFWC" (0x52465743 = 1380341571). Marks the file as refundwatch's,
    /// so that `--db` pointed at someone else's SQLite database is refused instead of having tables
    /// added to it.
    static let applicationID: Int32 = 0x5246_5743

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: watchlist, last reports, history") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2: summary columns") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3: poll schedule") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4: pollers sharing the work") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5: the dashboard's first screen") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6: partly failing orders counted from the index") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7: deadlines for every stage") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v8: alerts") { db in
            try db.execute(sql: v8)
        }
        migrator.registerMigration("v9: refund facts for the overview") { db in
            try db.execute(sql: v9)
        }
        migrator.registerMigration("v10: accounts") { db in
            try db.execute(sql: v10)
        }
        migrator.registerMigration("v11: saved views") { db in
            try db.execute(sql: v11)
        }
        migrator.registerMigration("v12: pushes") { db in
            try db.execute(sql: v12)
        }
        migrator.registerMigration("v13: one open watchlist alert a subject") { db in
            try db.execute(sql: v13)
        }
        return migrator
    }

    /// The watchlist, the last good report of each order with its last failure, the history of
    /// changes, and small facts about the file (the demo clock's start).
    ///
    /// NULL phone number / payment configuration ids mean "the configuration's", so a changed
    /// configuration applies to every order added without them. `order_state` keeps the last good
    /// report (kept when a later fetch fails) and the last failure. `history` holds every change
    /// of a status, an ARN or a settlement field, when it was first seen.
    static let v1 = """
        PRAGMA application_id = 1380341571;
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
        """

    /// The summary's numbers as columns of `order_state`, so that lists read them without decoding
    /// JSON, filled from the JSON summary v1 stored. That JSON is what v1 wrote: `amount` and
    /// `refund_total` as `{"amount": "2.12", "currency": "INR"}`, `stages` as counts by stage name,
    /// `arn_deadlines` as seconds since 2001-01-01 (Foundation's reference date; the column holds
    /// seconds since 1970, one a space apart), `arns` as a list (absent in early files; the column
    /// holds one a line, `%`, CR and LF written %25, %0D, %0A). A summary that is not valid JSON
    /// leaves its row's columns empty; the next fetch fills them.
    static let v2 = """
        ALTER TABLE "order_state" ADD COLUMN "payment_status" TEXT;
        ALTER TABLE "order_state" ADD COLUMN "amount" TEXT;
        ALTER TABLE "order_state" ADD COLUMN "amount_currency" TEXT;
        ALTER TABLE "order_state" ADD COLUMN "transaction_count" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "refund_count" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "refund_total" TEXT;
        ALTER TABLE "order_state" ADD COLUMN "refund_total_currency" TEXT;
        ALTER TABLE "order_state" ADD COLUMN "stage_failed" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "stage_pending" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "stage_queued" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "stage_in_progress" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "stage_no_arn_yet" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "stage_done" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "stage_settled" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "arn_present" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "arn_missing" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "arn_deadlines" TEXT;
        ALTER TABLE "order_state" ADD COLUMN "payu_errors" INTEGER;
        ALTER TABLE "order_state" ADD COLUMN "arns" TEXT;
        UPDATE "order_state" SET
            "payment_status" = json_extract(CAST("summary" AS TEXT), '$.payment_status'),
            "amount" = json_extract(CAST("summary" AS TEXT), '$.amount.amount'),
            "amount_currency" = json_extract(CAST("summary" AS TEXT), '$.amount.currency'),
            "transaction_count" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.transaction_count'), 0),
            "refund_count" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.refund_count'), 0),
            "refund_total" = json_extract(CAST("summary" AS TEXT), '$.refund_total.amount'),
            "refund_total_currency" = json_extract(CAST("summary" AS TEXT), '$.refund_total.currency'),
            "stage_failed" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages.failed'), 0),
            "stage_pending" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages.pending'), 0),
            "stage_queued" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages.queued'), 0),
            "stage_in_progress" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages."in progress"'), 0),
            "stage_no_arn_yet" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages."no ARN yet"'), 0),
            "stage_done" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages.done'), 0),
            "stage_settled" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.stages.settled'), 0),
            "arn_present" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.arn_present'), 0),
            "arn_missing" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.arn_missing'), 0),
            "arn_deadlines" = IFNULL((
                SELECT group_concat(CAST(deadline.value + 978307200 AS TEXT), ' ')
                FROM json_each(CAST("order_state"."summary" AS TEXT), '$.arn_deadlines') AS deadline), ''),
            "payu_errors" = IFNULL(json_extract(CAST("summary" AS TEXT), '$.payu_errors'), 0),
            "arns" = IFNULL((
                SELECT group_concat(replace(replace(replace(arn.value, '%', '%25'), char(13), '%0D'), char(10), '%0A'), char(10))
                FROM json_each(CAST("order_state"."summary" AS TEXT), '$.arns') AS arn), '')
        WHERE "summary" IS NOT NULL AND json_valid(CAST("summary" AS TEXT));
        """

    /// What the poll schedule needs beside the summary: since when the order waits for nothing
    /// more (NULL: it can still change soon, or its summary is from before v3 and the next fetch
    /// fills it in), and how many fetches have failed since the last good one (for the back-off).
    static let v3 = """
        ALTER TABLE "order_state" ADD COLUMN "settled_at" DATETIME;
        ALTER TABLE "order_state" ADD COLUMN "failures" INTEGER NOT NULL DEFAULT 0;
        UPDATE "order_state" SET "failures" = 1 WHERE "failed_at" IS NOT NULL;
        """

    /// Pollers sharing the work (`refundwatch poll`, any number of them on one store). Each order
    /// counts its fetch attempts, so that a poller can claim an order only if nobody fetched it
    /// since the poller read the watchlist; a claim is a lease (`lease_owner` until `lease_until`),
    /// extended by the poller's heartbeat and given up when the fetch is stored, so a poller that
    /// died loses nothing: its leases run out and another poller takes the orders.
    /// `requested_at`: a dashboard asked the pollers to fetch this order now (`r`).
    /// `poller`: one row a running poller, its heartbeat and when its last cycle ended.
    static let v4 = """
        ALTER TABLE "tracked_order" ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE "tracked_order" ADD COLUMN "lease_owner" TEXT;
        ALTER TABLE "tracked_order" ADD COLUMN "lease_until" DATETIME;
        ALTER TABLE "tracked_order" ADD COLUMN "requested_at" DATETIME;
        CREATE INDEX "tracked_order_waiting" ON "tracked_order"("id") WHERE "requested_at" IS NOT NULL OR "attempts" = 0;
        CREATE TABLE "poller" (
            "id" TEXT NOT NULL PRIMARY KEY,
            "host" TEXT NOT NULL,
            "pid" INTEGER NOT NULL,
            "started_at" DATETIME NOT NULL,
            "beat_at" DATETIME NOT NULL,
            "cycle_at" DATETIME
        );
        """

    /// What the dashboard's first screen ranks by (`SQLiteStore.firstPage`), in an index of its
    /// own: the ranking reads these few columns for every order, and in the table they sit behind
    /// each order's report (a few kilobytes, in overflow pages), so that reading them there reads
    /// the whole file (100,000 orders: 600 MB); the index is a few megabytes.
    /// `payu_errors` joins the first screen's index, so that its counts (`WatchlistTotals`) include
    /// the orders stored without PayU's side without reading each report's pages.
    /// `arn_deadlines` becomes `deadlines`: every refund's deadline for the stage it is in, not only
    /// the ARN's (seconds since 1970, sorted, a space apart, as before). `deadline_stages` says, in
    /// the same order, one a line, the stage and the refund ("arn\tREFUND-ID"); NULL in rows
    /// written before, whose deadlines were all ARN deadlines. SQLite renames the column in the
    /// first screen's index too.
    /// Alerts: one row an event (`key`: the order, the refund, the rule and what it is about),
    /// raised once for everyone, then acknowledged, snoozed or resolved. An alert about the whole
    /// watchlist (PayU's token) has no order, and only one of a rule is unresolved at a time.
    /// `alert_outbox`: each alert's raising and resolving, to be delivered once by a poller
    /// (claimed as a lease, as orders are), with the targets it reached so far and when to try
    /// again.
    static let v8 = """
        CREATE TABLE "alert" (
            "id" INTEGER PRIMARY KEY AUTOINCREMENT,
            "key" TEXT NOT NULL UNIQUE,
            "rule" TEXT NOT NULL,
            "order_id" INTEGER REFERENCES "tracked_order"("id") ON DELETE CASCADE,
            "reference_id" TEXT,
            "refund_id" TEXT,
            "text" TEXT NOT NULL,
            "raised_at" DATETIME NOT NULL,
            "resolved_at" DATETIME,
            "acknowledged_by" TEXT,
            "acknowledged_at" DATETIME,
            "note" TEXT,
            "snoozed_until" DATETIME
        );
        CREATE UNIQUE INDEX "alert_one_open_global" ON "alert"("rule") WHERE "order_id" IS NULL AND "resolved_at" IS NULL;
        CREATE INDEX "alert_open" ON "alert"("order_id") WHERE "resolved_at" IS NULL;
        CREATE INDEX "alert_raised" ON "alert"("raised_at");
        CREATE TABLE "alert_outbox" (
            "id" INTEGER PRIMARY KEY AUTOINCREMENT,
            "alert_id" INTEGER NOT NULL REFERENCES "alert"("id") ON DELETE CASCADE,
            "event" TEXT NOT NULL,
            "created_at" DATETIME NOT NULL,
            "attempts" INTEGER NOT NULL DEFAULT 0,
            "next_at" DATETIME NOT NULL,
            "lease_owner" TEXT,
            "lease_until" DATETIME,
            "delivered_to" TEXT NOT NULL DEFAULT '',
            "done_at" DATETIME,
            "last_error" TEXT,
            UNIQUE ("alert_id", "event")
        );
        CREATE INDEX "alert_outbox_pending" ON "alert_outbox"("next_at") WHERE "done_at" IS NULL;
        """

    /// The overview's numbers, counted in SQL. `refund_fact`: one row a refund of a fetched order,
    /// rewritten with each fetch: its gateway and payment method, amount in paise, where it is
    /// (`progress`: pending, queued, bank, arn, unsettled, done, settled, failed) and since when,
    /// when it was created, got its ARN, completed or failed, and its stage deadline; every time in
    /// seconds since 1970 (REAL), so that spans and day buckets are arithmetic. Orders fetched
    /// before this version get their rows from their stored report when the store is next opened
    /// (`store_meta` `refund_facts`). `payment_due`: a pending payment's deadline, in seconds
    /// since 1970, indexed so that counting late payments reads no report. The indexes hold what
    /// each part of the overview reads (open refunds by stage; each milestone's time with the
    /// creation; deadlines with their stage), so that its counts read no table row.
    static let v9 = """
        CREATE TABLE "refund_fact" (
            "order_id" INTEGER NOT NULL REFERENCES "tracked_order"("id") ON DELETE CASCADE,
            "transaction_id" TEXT NOT NULL,
            "refund_id" TEXT NOT NULL,
            "gateway" TEXT NOT NULL,
            "method" TEXT,
            "amount_minor" INTEGER,
            "currency" TEXT,
            "progress" TEXT NOT NULL,
            "created_at" REAL,
            "progress_since" REAL NOT NULL,
            "arn_at" REAL,
            "completed_at" REAL,
            "failed_at" REAL,
            "deadline_stage" TEXT,
            "deadline_due" REAL,
            PRIMARY KEY ("order_id", "transaction_id", "refund_id")
        );
        CREATE INDEX "refund_fact_open" ON "refund_fact"("progress", "gateway", "method", "created_at", "progress_since", "amount_minor");
        CREATE INDEX "refund_fact_created" ON "refund_fact"("created_at");
        CREATE INDEX "refund_fact_arn" ON "refund_fact"("arn_at", "created_at", "gateway", "method") WHERE "arn_at" IS NOT NULL;
        CREATE INDEX "refund_fact_completed" ON "refund_fact"("completed_at", "created_at") WHERE "completed_at" IS NOT NULL;
        CREATE INDEX "refund_fact_failed" ON "refund_fact"("failed_at") WHERE "failed_at" IS NOT NULL;
        CREATE INDEX "refund_fact_deadline" ON "refund_fact"("deadline_due", "deadline_stage") WHERE "deadline_due" IS NOT NULL;
        ALTER TABLE "order_state" ADD COLUMN "payment_due" REAL;
        CREATE INDEX "order_state_payment_due" ON "order_state"("payment_due") WHERE "payment_due" IS NOT NULL;
        """

    /// Several accounts in one watchlist: `account` is the configured account an order belongs to
    /// (`[kaleyra]` is "default", `[accounts.NAME]` the others); NULL while it is not known (the
    /// order is looked up under each account in turn until one knows it, and the account is then
    /// written here). Every order stored before is the single account's, "default". The same
    /// reference id may be tracked under two accounts: the key gains the account, last, so the
    /// index still serves a lookup by reference id.
    static let v10 = """
        ALTER TABLE "tracked_order" ADD COLUMN "account" TEXT;
        UPDATE "tracked_order" SET "account" = 'default';
        DROP INDEX "tracked_order_key";
        CREATE UNIQUE INDEX "tracked_order_key"
            ON "tracked_order"("reference_id", IFNULL("phone_number_id", ''), IFNULL("payment_config_id", ''), IFNULL("account", ''));
        """

    /// One unresolved alert about the whole watchlist a subject (its key up to `:since@`), where
    /// v8 had one a rule: a silent push source is an alert of its own, beside another's.
    static let v13 = """
        DROP INDEX "alert_one_open_global";
        CREATE UNIQUE INDEX "alert_one_open_global" ON "alert"("rule", substr("key", 1, instr("key", ':since@')))
            WHERE "order_id" IS NULL AND "resolved_at" IS NULL;
        """

    /// Pushes (`refundwatch listen`). `order_transaction`: each stored order's transaction ids (and
    /// PayU's payment id where WhatsApp gives it), so that a PayU push, which names PayU's ids
    /// only, finds its order; rewritten with every fetch stored. `push_event`: each push kept
    /// once (`source`, `body_hash`), what it named (`names`, JSON), what came of it, its body until
    /// `[listen] keep_bodies`. `tracked_order.pushed_by`: the source whose push asked for the
    /// order's next fetch, written into its history when that fetch is stored.
    static let v12 = """
        CREATE TABLE "order_transaction" (
            "transaction_id" TEXT NOT NULL,
            "order_id" INTEGER NOT NULL REFERENCES "tracked_order"("id") ON DELETE CASCADE,
            PRIMARY KEY ("transaction_id", "order_id")
        ) WITHOUT ROWID;
        CREATE INDEX "order_transaction_order" ON "order_transaction"("order_id");
        CREATE TABLE "push_event" (
            "id" INTEGER PRIMARY KEY AUTOINCREMENT,
            "source" TEXT NOT NULL,
            "account" TEXT,
            "received_at" DATETIME NOT NULL,
            "client" TEXT NOT NULL,
            "body_hash" TEXT NOT NULL,
            "names" TEXT NOT NULL,
            "asked" INTEGER NOT NULL DEFAULT 0,
            "untracked" INTEGER NOT NULL DEFAULT 0,
            "added" INTEGER NOT NULL DEFAULT 0,
            "body" BLOB,
            UNIQUE ("source", "body_hash")
        );
        CREATE INDEX "push_event_received" ON "push_event"("source", "received_at");
        ALTER TABLE "tracked_order" ADD COLUMN "pushed_by" TEXT;
        """

    /// Saved views (`refundwatch views save`): a filter, a sort and columns under a name. `name_key`
    /// is the name lowercased (names are compared without regard to case); `columns` the column
    /// names with commas between, NULL for the usual columns.
    static let v11 = """
        CREATE TABLE "saved_view" (
            "name_key" TEXT PRIMARY KEY,
            "name" TEXT NOT NULL,
            "filter" TEXT NOT NULL,
            "sort" TEXT NOT NULL,
            "columns" TEXT,
            "saved_by" TEXT,
            "saved_at" DATETIME NOT NULL
        );
        """

    static let v7 = """
        ALTER TABLE "order_state" RENAME COLUMN "arn_deadlines" TO "deadlines";
        ALTER TABLE "order_state" ADD COLUMN "deadline_stages" TEXT;
        """

    static let v6 = """
        DROP INDEX "order_state_attention";
        CREATE INDEX "order_state_attention" ON "order_state"(
            "order_id", "payment_status", "stage_failed", "stage_pending", "stage_queued", "stage_in_progress", "stage_no_arn_yet",
            "arn_deadlines", "error_message", "failed_at", "changed_at", "payu_errors");
        """

    static let v5 = """
        CREATE INDEX "order_state_attention" ON "order_state"(
            "order_id", "payment_status", "stage_failed", "stage_pending", "stage_queued", "stage_in_progress", "stage_no_arn_yet",
            "arn_deadlines", "error_message", "failed_at", "changed_at");
        """
}
