-- Trigram matching for searching client names by any part (trusted extension:
-- the database owner may create it; PostgreSQL ships it in contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Client_nameKey_trgm_idx" ON "Client" USING GIN ("nameKey" gin_trgm_ops);
