#!/bin/sh
# Fileport's API end to end with curl, against `npm start` (README: "Walk through the flow with curl").
# Run, with npm start running in another terminal: export TOKEN=… (the line it printed), then
#   sh examples/walkthrough.sh
# FILEPORT_URL names another API (default http://127.0.0.1:3000). Needs curl and node; runs in sh, bash and zsh.
set -eu

API="${FILEPORT_URL:-http://127.0.0.1:3000}"
API="${API%/}/v1"
if [ -z "${TOKEN:-}" ]; then
  echo 'walkthrough: TOKEN is not set: start the API with npm start, then run the export TOKEN=… line it printed.' >&2
  exit 2
fi
AUTH="Authorization: Bearer $TOKEN"
JSON='Content-Type: application/json'

# The sample files and the answers live in a folder of their own, removed at the end. After a
# failure, the files created so far stay (step 15 deletes them when all went well): say which.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fileport-walkthrough.XXXXXX")
CREATED=''
finish() {
  CODE=$?
  rm -rf "$WORK"
  if [ "$CODE" -ne 0 ] && [ -n "$CREATED" ]; then
    printf 'walkthrough: the files it created stay:%s\n' "$CREATED" >&2
    printf 'walkthrough: delete one with: curl -X DELETE %s/files/ID -H "Authorization: Bearer $TOKEN"\n' "$API" >&2
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM

# call STEP METHOD URL [curl options…]: the answer on stdout, its status in HTTP_STATUS. Any
# status but 2xx stops the walk-through, naming the step, the status and the answer.
call() {
  STEP=$1 METHOD=$2 URL=$3
  shift 3
  HTTP_STATUS=$(curl -sS -X "$METHOD" -o "$WORK/answer" -w '%{http_code}' "$@" "$URL") || {
    printf 'walkthrough: %s: no answer from %s %s (is npm start running?)\n' "$STEP" "$METHOD" "$URL" >&2
    exit 1
  }
  case $HTTP_STATUS in
    2??) cat "$WORK/answer" ;;
    *)
      printf 'walkthrough: %s failed: HTTP %s\n' "$STEP" "$HTTP_STATUS" >&2
      cat "$WORK/answer" >&2
      echo >&2
      exit 1
      ;;
  esac
}

# json DOCUMENT EXPRESSION: a JavaScript expression over the parsed document `d`, printed.
# A missing value stops the walk-through rather than becoming the word "undefined".
json() {
  printf '%s' "$1" | node -e '
    const text = require("fs").readFileSync(0, "utf8");
    let value;
    try { value = Function("d", "return (" + process.argv[1] + ")")(JSON.parse(text)); } catch {}
    if (value === undefined || value === null) {
      console.error("walkthrough: no " + process.argv[1] + " in " + text.slice(0, 500));
      process.exit(1);
    }
    console.log(typeof value === "object" ? JSON.stringify(value) : String(value));' -- "$2"
}

# report TEXT DOCUMENT FIELD…: prints TEXT, then each field of the document with its value
report() {
  REPORT_TEXT=$1 REPORT_DOC=$2
  shift 2
  printf '%s' "$REPORT_DOC" | node -e '
    const text = require("fs").readFileSync(0, "utf8");
    const d = JSON.parse(text);
    const missing = process.argv.slice(2).filter((f) => d[f] === undefined || d[f] === null);
    if (missing.length > 0) {
      console.error("walkthrough: no " + missing.join(", ") + " in " + text.slice(0, 500));
      process.exit(1);
    }
    console.log(process.argv[1] + " " + process.argv.slice(2).map((f) => f + " " + (typeof d[f] === "object" ? JSON.stringify(d[f]) : d[f])).join(", "));' -- "$REPORT_TEXT" "$@"
}

# make_pdf FILE TEXT: a one-page PDF, its cross-reference table with the right byte offsets
make_pdf() {
  node -e '
    const [file, text] = process.argv.slice(1);
    const page = "BT /F1 18 Tf 30 150 Td (" + text + ") Tj ET";
    const objects = [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + page.length + " >>\nstream\n" + page + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let pdf = "%PDF-1.4\n";
    const offsets = objects.map((body, i) => {
      const at = pdf.length;
      pdf += i + 1 + " 0 obj\n" + body + "\nendobj\n";
      return at;
    });
    const xref = pdf.length;
    pdf += "xref\n0 " + (objects.length + 1) + "\n0000000000 65535 f \n";
    pdf += offsets.map((at) => String(at).padStart(10, "0") + " 00000 n \n").join("");
    pdf += "trailer\n<< /Size " + (objects.length + 1) + " /Root 1 0 R >>\nstartxref\n" + xref + "\n%%EOF\n";
    require("fs").writeFileSync(file, pdf, "latin1");' -- "$1" "$2"
}

# make_zip FILE BYTES: a zip archive of one file of BYTES random bytes, stored as they are
make_zip() {
  node -e '
    const [file, size] = [process.argv[1], Number(process.argv[2])];
    const data = require("crypto").randomBytes(size);
    const crc = require("zlib").crc32(data);
    const name = Buffer.from("backup.bin");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(size, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(size, 20); central.writeUInt32LE(size, 24); central.writeUInt16LE(name.length, 28);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
    end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(local.length + name.length + size, 16);
    require("fs").writeFileSync(file, Buffer.concat([local, name, data, central, name, end]));' -- "$1" "$2"
}

# sha256 FILE: its SHA-256 in base64, as `openssl dgst -sha256 -binary FILE | base64` prints it
sha256() {
  node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' -- "$1"
}

# size FILE: its size in bytes
size() {
  wc -c < "$1" | tr -d ' '
}

# wait_ready STEP ID SHA256: reads the file into FILE until processing is done with the content of
# that SHA-256. Each read waits up to 10 s while the file is pending or processing; a file that had
# content reads as it was until processing takes up the new upload.
wait_ready() {
  for TRY in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    FILE=$(call "$1" GET "$API/files/$2?wait=10" -H "$AUTH")
    STATE=$(json "$FILE" d.status)
    if [ "$STATE" = failed ]; then
      printf 'walkthrough: %s: processing failed: %s\n' "$1" "$FILE" >&2
      exit 1
    fi
    if [ "$STATE" = ready ] && [ "$(json "$FILE" d.checksumSha256)" = "$3" ]; then
      return 0
    fi
    sleep 1
  done
  printf 'walkthrough: %s: file %s does not show the content uploaded after %s reads: %s\n' "$1" "$2" "$TRY" "$FILE" >&2
  exit 1
}

make_pdf "$WORK/lease.pdf" 'Lease contract'
make_pdf "$WORK/lease-signed.pdf" 'Lease contract, signed'
make_pdf "$WORK/letter.pdf" 'A scanned letter'
make_zip "$WORK/backup.zip" 6000000   # two parts: S3's smallest part but the last is 5 MiB (5,242,880 bytes)

# 1. What can be stored
TYPES=$(call '1. file types' GET "$API/file-types" -H "$AUTH")
TYPE_IDS=$(json "$TYPES" 'd.items.map((t) => t.id).join(" ")')
echo "1. file types: $TYPE_IDS"

# 2. Create the metadata shell of a file
FILE=$(call '2. create file' POST "$API/files" -H "$AUTH" -H "$JSON" \
  -d '{"name":"Lease contract","fileTypeId":"pdf","tags":["lease"],"links":[{"type":"contract","id":"C-42"}]}')
ID=$(json "$FILE" d.id)
CREATED="$CREATED $ID"
report '2. created:' "$FILE" id status expiresAt

# 3. Ask for an upload URL and PUT the bytes straight to S3 with the headers it signed
#    (Content-Type, the grant's x-amz-meta-* headers and If-None-Match: *, so the URL creates its
#    object once; S3 refuses any other value). curl -H @FILE sends a header per line of FILE.
GRANT=$(call '3. upload URL' PUT "$API/files/$ID/upload" -H "$AUTH")
UPLOAD_URL=$(json "$GRANT" d.url)
json "$GRANT" 'Object.entries(d.headers).map(([name, value]) => name + ": " + value).join("\n")' > "$WORK/headers"
call '3. PUT to S3' PUT "$UPLOAD_URL" -H @"$WORK/headers" --data-binary @"$WORK/lease.pdf" > /dev/null
SUM=$(sha256 "$WORK/lease.pdf")
echo "3. uploaded lease.pdf, $(size "$WORK/lease.pdf") bytes: HTTP $HTTP_STATUS"

# 4. Read the file once processing is done with what was sent (SUM: its SHA-256)
wait_ready '4. read when ready' "$ID" "$SUM"
VERSION=$(json "$FILE" d.version)
report '4. read:' "$FILE" status size pageCount version

# 5. Download it: a pre-signed GET, or a 302 to it
DOWNLOAD=$(call '5. download URL' GET "$API/files/$ID/download" -H "$AUTH")
DOWNLOAD_URL=$(json "$DOWNLOAD" d.url)
call '5. download from S3' GET "$DOWNLOAD_URL" > "$WORK/downloaded.pdf"
call '5. download by redirect' GET "$API/files/$ID/download?redirect=true" -H "$AUTH" -L > "$WORK/redirected.pdf"
cmp "$WORK/lease.pdf" "$WORK/downloaded.pdf"
cmp "$WORK/lease.pdf" "$WORK/redirected.pdf"
echo '5. downloaded by URL and by redirect: the bytes uploaded'

# 6. Find it again by its link
FOUND=$(call '6. find by link' GET "$API/files?link=contract:C-42" -H "$AUTH")
json "$FOUND" "d.items.find((f) => f.id === '$ID')" > /dev/null
COUNT=$(json "$FOUND" d.items.length)
echo "6. files linked to contract C-42: $COUNT, this one among them"

# 7. Change it. If-Match: the version just read (an image is at a later one than a PDF once processed)
FILE=$(call '7. update' PATCH "$API/files/$ID" -H "$AUTH" -H "If-Match: \"$VERSION\"" -H "$JSON" \
  -d '{"tags":["lease","signed"]}')
report '7. updated:' "$FILE" tags version

# 8. A second version, its SHA-256 declared: S3 refuses other bytes, processing checks it too
#    (replacing content needs files:overwrite, which npm start's token has)
SUM=$(sha256 "$WORK/lease-signed.pdf")
GRANT=$(call '8. upload URL with checksum' PUT "$API/files/$ID/upload" -H "$AUTH" -H "$JSON" -d "{\"checksumSha256\":\"$SUM\"}")
UPLOAD_URL=$(json "$GRANT" d.url)
json "$GRANT" 'Object.entries(d.headers).map(([name, value]) => name + ": " + value).join("\n")' > "$WORK/headers"
call '8. PUT version 2 to S3' PUT "$UPLOAD_URL" -H @"$WORK/headers" --data-binary @"$WORK/lease-signed.pdf" > /dev/null
wait_ready '8. read version 2 when ready' "$ID" "$SUM"
report '8. read:' "$FILE" status contentVersion checksumSha256

# 9. Its versions, newest first, with checksums
VERSIONS=$(call '9. versions' GET "$API/files/$ID/versions" -H "$AUTH")
COUNT=$(json "$VERSIONS" d.items.length)
LISTED=$(json "$VERSIONS" 'd.items.map((v) => v.version + " " + v.status).join(", ")')
echo "9. $COUNT versions: $LISTED"

# 10. The first version again
DOWNLOAD=$(call '10. download URL of version 1' GET "$API/files/$ID/download?version=1" -H "$AUTH")
DOWNLOAD_URL=$(json "$DOWNLOAD" d.url)
call '10. download version 1 from S3' GET "$DOWNLOAD_URL" > "$WORK/version-1.pdf"
cmp "$WORK/lease.pdf" "$WORK/version-1.pdf"
echo '10. version 1 downloaded: the bytes first uploaded'

# 11. A new file with the same content, copied by S3 (no bytes through the API)
FILE=$(call '11. copy' POST "$API/files/$ID/copy" -H "$AUTH" -H "$JSON" -d '{"name":"Lease contract (copy)"}')
COPY_ID=$(json "$FILE" d.id)
CREATED="$CREATED $COPY_ID"
wait_ready '11. read the copy when ready' "$COPY_ID" "$SUM"
report '11. copy:' "$FILE" id name status checksumSha256

# 12. From a browser form: an S3 POST policy, its fields sent in the order given and the file last.
#     A curl config file (-K) keeps that order: a form-string line per field (sent as it is).
FILE=$(call '12. create file' POST "$API/files" -H "$AUTH" -H "$JSON" -d '{"name":"Scanned letter","fileTypeId":"pdf"}')
FORM_ID=$(json "$FILE" d.id)
CREATED="$CREATED $FORM_ID"
FORM=$(call '12. upload form' POST "$API/files/$FORM_ID/upload-form" -H "$AUTH")
FORM_URL=$(json "$FORM" d.url)
json "$FORM" 'Object.entries(d.fields).map(([name, value]) => "form-string = " + JSON.stringify(name + "=" + value)).join("\n")' > "$WORK/form"
call '12. form POST to S3' POST "$FORM_URL" -K "$WORK/form" -F "file=@$WORK/letter.pdf;type=application/pdf" > /dev/null
echo "12. form upload: HTTP $HTTP_STATUS"
SUM=$(sha256 "$WORK/letter.pdf")
wait_ready '12. read the form upload when ready' "$FORM_ID" "$SUM"
report '12. read:' "$FILE" id status pageCount

# 13. In parts: large files and bad networks. 8 MiB parts by default (partSize: 5 MiB to 5 GiB;
#     at most 10,000 parts); a URL per part, each signed for its exact size
SIZE=$(size "$WORK/backup.zip")
FILE=$(call '13. create file' POST "$API/files" -H "$AUTH" -H "$JSON" -d '{"name":"Backup","fileTypeId":"zip"}')
ZIP_ID=$(json "$FILE" d.id)
CREATED="$CREATED $ZIP_ID"
UPLOAD=$(call '13. start multipart upload' POST "$API/files/$ZIP_ID/multipart" -H "$AUTH" -H "$JSON" \
  -d "{\"size\":$SIZE,\"partSize\":5242880}")
UPLOAD_ID=$(json "$UPLOAD" d.uploadId)
PART_SIZE=$(json "$UPLOAD" d.partSize)
report '13. multipart upload started:' "$UPLOAD" size partSize partCount

# PUT each part to its URL (with part checksums, a part's entry also lists headers to send)
json "$UPLOAD" 'd.parts.map((p) => p.partNumber + " " + p.url).join("\n")' > "$WORK/parts"
while read -r N PART_URL; do
  dd if="$WORK/backup.zip" of="$WORK/part" bs="$PART_SIZE" skip=$((N - 1)) count=1 2> /dev/null
  call "13. PUT part $N" PUT "$PART_URL" --data-binary @"$WORK/part" > /dev/null
  echo "13. part $N, $(size "$WORK/part") bytes: HTTP $HTTP_STATUS"
done < "$WORK/parts"

# After a crash: what S3 already holds, and fresh URLs for the missing parts
LISTING=$(call '13. upload status' GET "$API/files/$ZIP_ID/multipart/$UPLOAD_ID" -H "$AUTH")
report '13. upload status:' "$LISTING" uploadedParts missingPartNumbers

# Complete with every part's ETag (taken here from that listing); the file is processed like any upload
PARTS=$(json "$LISTING" '({ parts: d.uploadedParts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })) })')
FILE=$(call '13. complete' POST "$API/files/$ZIP_ID/multipart/$UPLOAD_ID/complete" -H "$AUTH" -H "$JSON" -d "$PARTS")
report '13. multipart upload complete:' "$FILE" id status
SUM=$(sha256 "$WORK/backup.zip")
wait_ready '13. read the backup when ready' "$ZIP_ID" "$SUM"
report '13. read:' "$FILE" status size

# 14. Or give up: here another upload of the same file, aborted. S3 frees its parts (abandoned
#     uploads are aborted by the bucket after a day)
UPLOAD=$(call '14. start another multipart upload' POST "$API/files/$ZIP_ID/multipart" -H "$AUTH" -H "$JSON" -d "{\"size\":$SIZE}")
UPLOAD_ID=$(json "$UPLOAD" d.uploadId)
call '14. abort' DELETE "$API/files/$ZIP_ID/multipart/$UPLOAD_ID" -H "$AUTH" > /dev/null
echo "14. another upload aborted: HTTP $HTTP_STATUS"

# 15. Delete what the walk-through created: the file, its copy, the form's and the backup
for DELETE_ID in "$ID" "$COPY_ID" "$FORM_ID" "$ZIP_ID"; do
  call "15. delete $DELETE_ID" DELETE "$API/files/$DELETE_ID" -H "$AUTH" > /dev/null
  echo "15. deleted $DELETE_ID: HTTP $HTTP_STATUS"
done
echo 'Done: every step answered as expected.'
