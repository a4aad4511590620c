-- CreateEnum
CREATE TYPE "ClientStatus" AS ENUM ('active', 'inactive');

-- CreateEnum
CREATE TYPE "InvoiceStatus" AS ENUM ('open', 'paid', 'void', 'credited');

-- CreateEnum
CREATE TYPE "SubscriptionStatus" AS ENUM ('active', 'cancelled');

-- CreateEnum
CREATE TYPE "EquipmentStatus" AS ENUM ('out', 'returned', 'written_off');

-- CreateEnum
CREATE TYPE "RequestState" AS ENUM ('open', 'ready', 'executing', 'executed', 'rejected', 'withdrawn');

-- CreateEnum
CREATE TYPE "CheckStatus" AS ENUM ('pending', 'done', 'failed');

-- CreateEnum
CREATE TYPE "Decision" AS ENUM ('approve', 'reject');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('pending', 'done', 'failed');

-- CreateTable
CREATE TABLE "Client" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "ref" TEXT NOT NULL,
    "refKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "status" "ClientStatus" NOT NULL DEFAULT 'active',
    "thirdParty" BOOLEAN NOT NULL DEFAULT false,
    "hostedDatabase" BOOLEAN NOT NULL DEFAULT false,
    "inactivatedAt" TIMESTAMPTZ(3),
    "inactivatedBy" TEXT,
    "inactivationReason" TEXT,
    "reactivatedAt" TIMESTAMPTZ(3),
    "reactivatedBy" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Contact" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "clientId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "isPrimary" BOOLEAN NOT NULL DEFAULT false,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invoice" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "clientId" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "amountMinor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "dueOn" DATE NOT NULL,
    "status" "InvoiceStatus" NOT NULL,
    "onHold" BOOLEAN NOT NULL DEFAULT false,
    "heldAt" TIMESTAMPTZ(3),
    "heldBy" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Subscription" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "clientId" UUID NOT NULL,
    "plan" TEXT NOT NULL,
    "status" "SubscriptionStatus" NOT NULL DEFAULT 'active',
    "cancelledAt" TIMESTAMPTZ(3),
    "cancelledBy" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EquipmentLoan" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "clientId" UUID NOT NULL,
    "serial" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "status" "EquipmentStatus" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "EquipmentLoan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceLogin" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "clientId" UUID NOT NULL,
    "login" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServiceLogin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeactivationRequest" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "number" SERIAL NOT NULL,
    "clientId" UUID NOT NULL,
    "liveClientId" UUID,
    "kind" TEXT NOT NULL,
    "state" "RequestState" NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "requestedBy" TEXT NOT NULL,
    "requestedAt" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "askedBy" TEXT,
    "confirmation" TEXT,
    "thirdPartyInvolved" BOOLEAN NOT NULL DEFAULT false,
    "notes" TEXT,
    "policySnapshot" JSONB NOT NULL,
    "closedAt" TIMESTAMPTZ(3),
    "closedBy" TEXT,
    "closeReason" TEXT,
    "executedAt" TIMESTAMPTZ(3),
    "executedBy" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DeactivationRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Check" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requestId" UUID NOT NULL,
    "checkId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" "CheckStatus" NOT NULL DEFAULT 'pending',
    "tickedBy" TEXT,
    "tickedAt" TIMESTAMPTZ(3),
    "evidence" TEXT,
    "detail" JSONB,
    "checkedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Check_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Approval" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requestId" UUID NOT NULL,
    "approverId" TEXT NOT NULL,
    "decision" "Decision" NOT NULL,
    "reason" TEXT,
    "decidedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExecutionStep" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requestId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "status" "StepStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "result" JSONB,
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ExecutionStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "requestId" UUID,
    "clientId" UUID,
    "data" JSONB NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "AuditChain" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditChain_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Client_ref_key" ON "Client"("ref");

-- CreateIndex
CREATE UNIQUE INDEX "Client_refKey_key" ON "Client"("refKey");

-- CreateIndex
CREATE INDEX "Client_nameKey_idx" ON "Client"("nameKey");

-- CreateIndex
CREATE INDEX "Client_status_idx" ON "Client"("status");

-- CreateIndex
CREATE INDEX "Contact_clientId_idx" ON "Contact"("clientId");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_clientId_number_key" ON "Invoice"("clientId", "number");

-- CreateIndex
CREATE INDEX "Subscription_clientId_idx" ON "Subscription"("clientId");

-- CreateIndex
CREATE UNIQUE INDEX "EquipmentLoan_clientId_serial_key" ON "EquipmentLoan"("clientId", "serial");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceLogin_clientId_login_key" ON "ServiceLogin"("clientId", "login");

-- CreateIndex
CREATE UNIQUE INDEX "DeactivationRequest_number_key" ON "DeactivationRequest"("number");

-- CreateIndex
CREATE UNIQUE INDEX "DeactivationRequest_liveClientId_key" ON "DeactivationRequest"("liveClientId");

-- CreateIndex
CREATE INDEX "DeactivationRequest_clientId_idx" ON "DeactivationRequest"("clientId");

-- CreateIndex
CREATE INDEX "DeactivationRequest_state_idx" ON "DeactivationRequest"("state");

-- CreateIndex
CREATE INDEX "DeactivationRequest_requestedBy_idx" ON "DeactivationRequest"("requestedBy");

-- CreateIndex
CREATE UNIQUE INDEX "Check_requestId_checkId_key" ON "Check"("requestId", "checkId");

-- CreateIndex
CREATE UNIQUE INDEX "Approval_requestId_approverId_key" ON "Approval"("requestId", "approverId");

-- CreateIndex
CREATE UNIQUE INDEX "ExecutionStep_idempotencyKey_key" ON "ExecutionStep"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "ExecutionStep_requestId_action_key" ON "ExecutionStep"("requestId", "action");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

-- CreateIndex
CREATE INDEX "AuditEvent_requestId_idx" ON "AuditEvent"("requestId");

-- CreateIndex
CREATE INDEX "AuditEvent_clientId_idx" ON "AuditEvent"("clientId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EquipmentLoan" ADD CONSTRAINT "EquipmentLoan_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceLogin" ADD CONSTRAINT "ServiceLogin_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeactivationRequest" ADD CONSTRAINT "DeactivationRequest_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeactivationRequest" ADD CONSTRAINT "DeactivationRequest_liveClientId_fkey" FOREIGN KEY ("liveClientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Check" ADD CONSTRAINT "Check_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeactivationRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeactivationRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExecutionStep" ADD CONSTRAINT "ExecutionStep_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeactivationRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Nothing is ever deleted (hand-written; Prisma does not manage triggers).
-- Clients, their records and every request table refuse DELETE and TRUNCATE;
-- audit events also refuse UPDATE, so the trail is append-only.
CREATE FUNCTION "offboard_refuse_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'offboard: rows of "%" are never deleted (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE FUNCTION "offboard_refuse_audit_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'offboard: audit events are append-only (% refused)', TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['Client', 'Contact', 'Invoice', 'Subscription', 'EquipmentLoan', 'ServiceLogin',
                           'DeactivationRequest', 'Check', 'Approval', 'ExecutionStep', 'AuditChain']
  LOOP
    EXECUTE format('CREATE TRIGGER "%s_refuse_delete" BEFORE DELETE ON %I FOR EACH ROW EXECUTE FUNCTION "offboard_refuse_delete"()', t, t);
    EXECUTE format('CREATE TRIGGER "%s_refuse_truncate" BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "offboard_refuse_delete"()', t, t);
  END LOOP;
END;
$$;

CREATE TRIGGER "AuditEvent_append_only" BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "offboard_refuse_audit_change"();
CREATE TRIGGER "AuditEvent_refuse_truncate" BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "offboard_refuse_audit_change"();

-- The audit chain starts at sequence 0 with an all-zero hash.
INSERT INTO "AuditChain" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));
