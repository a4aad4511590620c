-- CreateTable
CREATE TABLE "SlackPost" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requestId" UUID NOT NULL,
    "purpose" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "ts" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SlackPost_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SlackPost_requestId_purpose_key" ON "SlackPost"("requestId", "purpose");

-- AddForeignKey
ALTER TABLE "SlackPost" ADD CONSTRAINT "SlackPost_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeactivationRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Like every request table, Slack post records are never deleted.
CREATE TRIGGER "SlackPost_refuse_delete" BEFORE DELETE ON "SlackPost" FOR EACH ROW EXECUTE FUNCTION "offboard_refuse_delete"();
CREATE TRIGGER "SlackPost_refuse_truncate" BEFORE TRUNCATE ON "SlackPost" FOR EACH STATEMENT EXECUTE FUNCTION "offboard_refuse_delete"();
