-- Leases: named, expiring locks that let one of several Tresor nodes do a
-- job at a time, e.g. the scheduler ("scheduler"). Expiry is measured by
-- this server's clock, so node clocks need not agree.
CREATE TABLE leases (
    name       VARCHAR(63)  COLLATE "C" NOT NULL PRIMARY KEY,
    holder     VARCHAR(128) COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL -- microseconds since the Unix epoch
);
