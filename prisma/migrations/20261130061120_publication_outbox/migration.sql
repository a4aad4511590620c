-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "recover" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "Publication_leaseUntil_idx" ON "Publication"("leaseUntil");

-- Requests left marked before the sweep existed are shown by it too.
UPDATE "Publication" SET "leaseUntil" = CURRENT_TIMESTAMP WHERE "dirty" AND "leaseUntil" IS NULL;
