-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "dataDeletedAt" TIMESTAMPTZ(3);
