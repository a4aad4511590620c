-- The day the client asked. Existing requests get the (UTC) day they were opened.
ALTER TABLE "DeactivationRequest" ADD COLUMN "requestedOn" DATE;
UPDATE "DeactivationRequest" SET "requestedOn" = ("requestedAt" AT TIME ZONE 'UTC')::date;
ALTER TABLE "DeactivationRequest" ALTER COLUMN "requestedOn" SET NOT NULL;

-- AlterTable
ALTER TABLE "SlackPost" ADD COLUMN     "threadSeq" BIGINT NOT NULL DEFAULT 0;
