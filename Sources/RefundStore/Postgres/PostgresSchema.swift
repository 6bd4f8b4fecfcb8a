/// The PostgreSQL database's layout, as numbered migrations of literal SQL. A released migration
/// is never edited: a change is a new one, so every older database upgrades in place and a newer
/// one is recognised (`refundwatch_meta.schema_version` above the highest known is refused).
///
/// `refundwatch_meta` marks the database as refundwatch's: a database with tables but without it
/// is someone else's and is refused, never changed.
enum PostgresSchema {
    static let migrations: [(version: Int, name: String, sql: String)] = [
        (1, "watchlist, last reports, summaries, history, poll schedule", v1),
        (2, "pollers sharing the work", v2),
        (3, "deadlines for every stage", v3),
        (4, "alerts", v4),
        (5, "refund facts for the overview", v5),
        (6, "accounts", v6),
        (7, "the team's request budgets and PayU tokens", v7),
        (8, "saved views", v8),
        (9, "pushes", v9),
        (10, "one open watchlist alert a subject", v10),
    ]

    /// One unresolved alert about the whole watchlist a subject (its key up to `:since@`), where
    /// migration 4 had one a rule: a silent push source is an alert of its own, beside another's.
    static let v10 = """
        DROP INDEX alert_one_open_global;
        CREATE UNIQUE INDEX alert_one_open_global ON alert (rule, split_part(key, ':since@', 1))
            WHERE order_id IS NULL AND resolved_at IS NULL;
        """

    static var latest: Int { migrations.last!.version }

    /// The same data as the SQLite file's schema v3, in PostgreSQL's types: times as timestamptz,
    /// reports and summaries (JSON) as bytea, the summary's numbers in columns of their own.
    /// `store_change` lets a process tell another's writes from its own (one row a writer).
    static let v1 = """
        CREATE TABLE refundwatch_meta (
            key text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE tracked_order (
            id bigserial PRIMARY KEY,
            reference_id text NOT NULL,
            phone_number_id text,
            payment_config_id text,
            label text,
            added_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX tracked_order_key
            ON tracked_order (reference_id, COALESCE(phone_number_id, ''), COALESCE(payment_config_id, ''));
        CREATE TABLE order_state (
            order_id bigint PRIMARY KEY REFERENCES tracked_order (id) ON DELETE CASCADE,
            report bytea,
            summary bytea,
            fetched_at timestamptz,
            changed_at timestamptz,
            attempted_at timestamptz,
            error_category text,
            error_service text,
            error_message text,
            failed_at timestamptz,
            payment_status text,
            amount text,
            amount_currency text,
            transaction_count integer,
            refund_count integer,
            refund_total text,
            refund_total_currency text,
            stage_failed integer,
            stage_pending integer,
            stage_queued integer,
            stage_in_progress integer,
            stage_no_arn_yet integer,
            stage_done integer,
            stage_settled integer,
            arn_present integer,
            arn_missing integer,
            arn_deadlines text,
            payu_errors integer,
            arns text,
            settled_at timestamptz,
            failures integer NOT NULL DEFAULT 0
        );
        CREATE TABLE history (
            id bigserial PRIMARY KEY,
            order_id bigint NOT NULL REFERENCES tracked_order (id) ON DELETE CASCADE,
            seen_at timestamptz NOT NULL,
            transaction_id text,
            refund_id text,
            field text NOT NULL,
            old_value text,
            new_value text
        );
        CREATE INDEX history_by_order ON history (order_id, seen_at);
        CREATE TABLE store_meta (
            key text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE SEQUENCE store_change_seq;
        CREATE TABLE store_change (
            writer text PRIMARY KEY,
            seq bigint NOT NULL,
            at timestamptz NOT NULL DEFAULT now()
        );
        """

    /// Pollers sharing the work: as the SQLite file's v4. An order's `attempts` counts its
    /// fetches, so a poller claims it only if nobody fetched it since the poller read the
    /// watchlist; the claim is a lease (`lease_owner` until `lease_until`, the server's clock),
    /// extended by the poller's heartbeat and given up when the fetch is stored. `requested_at`:
    /// a dashboard asked the pollers to fetch the order now; the index finds the orders a
    /// sleeping poller wakes for (asked for, or never fetched). `poller`: one row a running poller.
    static let v2 = """
        ALTER TABLE tracked_order ADD COLUMN attempts bigint NOT NULL DEFAULT 0;
        ALTER TABLE tracked_order ADD COLUMN lease_owner text;
        ALTER TABLE tracked_order ADD COLUMN lease_until timestamptz;
        ALTER TABLE tracked_order ADD COLUMN requested_at timestamptz;
        CREATE INDEX tracked_order_waiting ON tracked_order (id) WHERE requested_at IS NOT NULL OR attempts = 0;
        CREATE TABLE poller (
            id text PRIMARY KEY,
            host text NOT NULL,
            pid integer NOT NULL,
            started_at timestamptz NOT NULL,
            beat_at timestamptz NOT NULL,
            cycle_at timestamptz
        )
        """

    /// As the SQLite file's v7: `arn_deadlines` becomes `deadlines` (every stage's, not only the
    /// ARN's), and `deadline_stages` says each one's stage and refund, one a line.
    static let v3 = """
        ALTER TABLE order_state RENAME COLUMN arn_deadlines TO deadlines;
        ALTER TABLE order_state ADD COLUMN deadline_stages text
        """

    /// The overview's numbers, counted in SQL: as the SQLite file's v9. `refund_fact`, one row a
    /// refund, times in seconds since 1970 (float8) so that spans and day buckets are arithmetic;
    /// `payment_due`, a pending payment's deadline the same way.
    static let v5 = """
        CREATE TABLE refund_fact (
            order_id bigint NOT NULL REFERENCES tracked_order (id) ON DELETE CASCADE,
            transaction_id text NOT NULL,
            refund_id text NOT NULL,
            gateway text NOT NULL,
            method text,
            amount_minor bigint,
            currency text,
            progress text NOT NULL,
            created_at float8,
            progress_since float8 NOT NULL,
            arn_at float8,
            completed_at float8,
            failed_at float8,
            deadline_stage text,
            deadline_due float8,
            PRIMARY KEY (order_id, transaction_id, refund_id)
        );
        CREATE INDEX refund_fact_open ON refund_fact (progress, gateway, method, created_at, progress_since, amount_minor);
        CREATE INDEX refund_fact_created ON refund_fact (created_at);
        CREATE INDEX refund_fact_arn ON refund_fact (arn_at, created_at, gateway, method) WHERE arn_at IS NOT NULL;
        CREATE INDEX refund_fact_completed ON refund_fact (completed_at, created_at) WHERE completed_at IS NOT NULL;
        CREATE INDEX refund_fact_failed ON refund_fact (failed_at) WHERE failed_at IS NOT NULL;
        CREATE INDEX refund_fact_deadline ON refund_fact (deadline_due, deadline_stage) WHERE deadline_due IS NOT NULL;
        ALTER TABLE order_state ADD COLUMN payment_due float8;
        CREATE INDEX order_state_payment_due ON order_state (payment_due) WHERE payment_due IS NOT NULL;
        """

    /// As the SQLite file's v10: the account each order belongs to (NULL while not known), every
    /// order stored before being the single account's, "default"; the key gains the account.
    static let v6 = """
        ALTER TABLE tracked_order ADD COLUMN account text;
        UPDATE tracked_order SET account = 'default';
        DROP INDEX tracked_order_key;
        CREATE UNIQUE INDEX tracked_order_key
            ON tracked_order (reference_id, COALESCE(phone_number_id, ''), COALESCE(payment_config_id, ''), COALESCE(account, ''))
        """

    /// What a team shares through its database and a file cannot give it:
    ///
    /// `rate_budget`: one row per account and API, the request budget every process on the account
    /// spends from (pollers, dashboards, `track refresh`). `next_free` is the moment, on the
    /// database's clock in seconds since 1970, from which the next request may go: a process
    /// reserves a few requests' time at once (`next_free` moves on by their count over `rate`) and
    /// sends them evenly in it, so that together they never go faster than the budget. `rate` is
    /// the pace now: the budget, halved (to no less than an eighth) each time the API throttles
    /// one of them, and back up by a quarter for every 30 s without throttling; a throttled answer
    /// also moves `next_free` past the pause it asked for (`paused_until`), for every process, and
    /// answers that come while that pause lasts belong to the same episode (no halving again).
    ///
    /// `payu_token`: the PayU access token and the newest refresh token of each PayU client
    /// (`key`: a digest of the token URL and client id), so that processes on several machines
    /// renew one token chain instead of refusing each other's rotated refresh tokens. The tokens
    /// are stored as PayU gave them: whoever can read the database can read them.
    static let v7 = """
        CREATE TABLE rate_budget (
            account text NOT NULL,
            service text NOT NULL,
            next_free float8 NOT NULL,
            rate float8 NOT NULL,
            throttled_at float8,
            paused_until float8,
            throttles integer NOT NULL DEFAULT 0,
            consecutive integer NOT NULL DEFAULT 0,
            raised_at float8,
            PRIMARY KEY (account, service)
        );
        CREATE TABLE payu_token (
            key text PRIMARY KEY,
            configured_refresh_token text NOT NULL,
            access_token text NOT NULL,
            obtained_at float8 NOT NULL,
            expires_at float8 NOT NULL,
            refresh_token text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// As the SQLite file's v12: each order's transaction ids (for PayU's pushes, which name
    /// PayU's ids only), each push kept once, and the source whose push asked for an order's next
    /// fetch.
    static let v9 = """
        CREATE TABLE order_transaction (
            transaction_id text NOT NULL,
            order_id bigint NOT NULL REFERENCES tracked_order (id) ON DELETE CASCADE,
            PRIMARY KEY (transaction_id, order_id)
        );
        CREATE INDEX order_transaction_order ON order_transaction (order_id);
        CREATE TABLE push_event (
            id bigserial PRIMARY KEY,
            source text NOT NULL,
            account text,
            received_at timestamptz NOT NULL,
            client text NOT NULL,
            body_hash text NOT NULL,
            names text NOT NULL,
            asked integer NOT NULL DEFAULT 0,
            untracked integer NOT NULL DEFAULT 0,
            added integer NOT NULL DEFAULT 0,
            body bytea,
            UNIQUE (source, body_hash)
        );
        CREATE INDEX push_event_received ON push_event (source, received_at);
        ALTER TABLE tracked_order ADD COLUMN pushed_by text
        """

    /// As the SQLite file's v11: the team's saved views (`refundwatch views save`), one row a
    /// view; `name_key` is the name lowercased, `columns` the names with commas between (NULL:
    /// the usual columns).
    static let v8 = """
        CREATE TABLE saved_view (
            name_key text PRIMARY KEY,
            name text NOT NULL,
            filter text NOT NULL,
            sort text NOT NULL,
            columns text,
            saved_by text,
            saved_at timestamptz NOT NULL
        )
        """

    /// As the SQLite file's v8: alerts, one row an event, and the outbox of their deliveries.
    static let v4 = """
        CREATE TABLE alert (
            id bigserial PRIMARY KEY,
            key text NOT NULL UNIQUE,
            rule text NOT NULL,
            order_id bigint REFERENCES tracked_order (id) ON DELETE CASCADE,
            reference_id text,
            refund_id text,
            text text NOT NULL,
            raised_at timestamptz NOT NULL,
            resolved_at timestamptz,
            acknowledged_by text,
            acknowledged_at timestamptz,
            note text,
            snoozed_until timestamptz
        );
        CREATE UNIQUE INDEX alert_one_open_global ON alert (rule) WHERE order_id IS NULL AND resolved_at IS NULL;
        CREATE INDEX alert_open ON alert (order_id) WHERE resolved_at IS NULL;
        CREATE INDEX alert_raised ON alert (raised_at);
        CREATE TABLE alert_outbox (
            id bigserial PRIMARY KEY,
            alert_id bigint NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
            event text NOT NULL,
            created_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_at timestamptz NOT NULL,
            lease_owner text,
            lease_until timestamptz,
            delivered_to text NOT NULL DEFAULT '',
            done_at timestamptz,
            last_error text,
            UNIQUE (alert_id, event)
        );
        CREATE INDEX alert_outbox_pending ON alert_outbox (next_at) WHERE done_at IS NULL
        """
}
