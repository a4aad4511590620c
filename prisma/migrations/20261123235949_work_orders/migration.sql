-- CreateTable
CREATE TABLE "WorkOrder" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "number" SERIAL NOT NULL,
    "clientId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkOrder_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "WorkOrder_number_key" ON "WorkOrder"("number");

-- CreateIndex
CREATE UNIQUE INDEX "WorkOrder_idempotencyKey_key" ON "WorkOrder"("idempotencyKey");

-- CreateIndex
CREATE INDEX "WorkOrder_clientId_idx" ON "WorkOrder"("clientId");

-- AddForeignKey
ALTER TABLE "WorkOrder" ADD CONSTRAINT "WorkOrder_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Nothing is deleted: work orders stay, like every business record.
CREATE TRIGGER "WorkOrder_refuse_delete" BEFORE DELETE ON "WorkOrder" FOR EACH ROW EXECUTE FUNCTION "offboard_refuse_delete"();
CREATE TRIGGER "WorkOrder_refuse_truncate" BEFORE TRUNCATE ON "WorkOrder" FOR EACH STATEMENT EXECUTE FUNCTION "offboard_refuse_delete"();
