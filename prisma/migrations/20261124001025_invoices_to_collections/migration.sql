-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN     "sentToCollectionsAt" TIMESTAMPTZ(3),
ADD COLUMN     "sentToCollectionsBy" TEXT;
