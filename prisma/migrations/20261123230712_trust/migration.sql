-- AlterEnum
ALTER TYPE "StepStatus" ADD VALUE 'running';

-- AlterTable
ALTER TABLE "DeactivationRequest" ADD COLUMN     "submissionKey" TEXT;

-- AlterTable
ALTER TABLE "ExecutionStep" ADD COLUMN     "leaseUntil" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "SlackPost" ADD COLUMN     "shownHash" TEXT;

-- CreateTable
CREATE TABLE "Publication" (
    "requestId" UUID NOT NULL,
    "holder" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "dirty" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Publication_pkey" PRIMARY KEY ("requestId")
);

-- CreateTable
CREATE TABLE "SlackEvent" (
    "eventId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackEvent_pkey" PRIMARY KEY ("eventId")
);

-- CreateIndex
CREATE UNIQUE INDEX "DeactivationRequest_submissionKey_key" ON "DeactivationRequest"("submissionKey");
