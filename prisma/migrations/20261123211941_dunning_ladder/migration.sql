-- AlterTable
ALTER TABLE "DeactivationRequest" ADD COLUMN     "ladderOutcome" TEXT,
ADD COLUMN     "ladderStoppedAt" TIMESTAMPTZ(3),
ADD COLUMN     "ladderStoppedBy" TEXT;

-- CreateTable
CREATE TABLE "LadderStep" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requestId" UUID NOT NULL,
    "stepId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "owner" TEXT NOT NULL,
    "doneAt" TIMESTAMPTZ(3),
    "doneBy" TEXT,
    "evidence" TEXT,
    "snoozedUntil" TIMESTAMPTZ(3),
    "reminders" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LadderStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LadderStep_requestId_stepId_key" ON "LadderStep"("requestId", "stepId");

-- AddForeignKey
ALTER TABLE "LadderStep" ADD CONSTRAINT "LadderStep_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeactivationRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Ladder steps are a request table: never deleted.
CREATE TRIGGER "LadderStep_refuse_delete" BEFORE DELETE ON "LadderStep" FOR EACH ROW EXECUTE FUNCTION "offboard_refuse_delete"();
CREATE TRIGGER "LadderStep_refuse_truncate" BEFORE TRUNCATE ON "LadderStep" FOR EACH STATEMENT EXECUTE FUNCTION "offboard_refuse_delete"();
