-- AlterEnum
ALTER TYPE "StepStatus" ADD VALUE 'running';

-- AlterTable
ALTER TABLE "DeactivationRequest" ADD COLUMN     "submissionKey" TEXT;

-- AlterTable
ALTER TABLE "ExecutionStep" ADD COLUMN     "leaseUntil" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "SlackEvent" (
    "eventId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackEvent_pkey" PRIMARY KEY ("eventId")
);

-- CreateIndex
CREATE UNIQUE INDEX "DeactivationRequest_submissionKey_key" ON "DeactivationRequest"("submissionKey");
