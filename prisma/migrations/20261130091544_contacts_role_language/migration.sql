-- CreateEnum
CREATE TYPE "ContactLanguage" AS ENUM ('en', 'es', 'pt');

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "language" "ContactLanguage",
ADD COLUMN     "role" TEXT;

-- Phones are E.164 from now on (imports normalise them): existing numbers that
-- become E.164 once spaces, dashes and parentheses are removed are written so;
-- any other number stays as it was (it is not used to write to the contact).
UPDATE "Contact"
SET "phone" = regexp_replace("phone", '[[:space:]()-]', '', 'g')
WHERE "phone" IS NOT NULL
  AND "phone" <> regexp_replace("phone", '[[:space:]()-]', '', 'g')
  AND regexp_replace("phone", '[[:space:]()-]', '', 'g') ~ '^\+[1-9][0-9]{6,14}$';
