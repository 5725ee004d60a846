-- Queues outgoing messages for one contact the way mailroom does: queue_send.sh's SQL (from
-- ../shared/courier), for a list of messages at once. psql variables: chan (channel uuid),
-- urn (e.g. ext:abc), items (JSON array of {"text": ..., "qr": [quick replies], "att": [attachments]},
-- attachments in mailroom's form "<content type>:<url>", e.g. "image/png:https://..."; an empty
-- list is NULL, as mailroom stores a message without files). Prints one line
-- per message, in order: the one-element JSON array courier's queue holds (see test/helpers/courier.ts).
WITH ch AS (SELECT id, org_id, uuid FROM channels_channel WHERE uuid = :'chan' AND is_active),
existing AS (SELECT u.id, u.contact_id FROM contacts_contacturn u JOIN ch ON u.org_id = ch.org_id WHERE u.identity = :'urn'),
newc AS (INSERT INTO contacts_contact(is_active, status, ticket_count, created_on, modified_on, uuid, created_by_id, modified_by_id, org_id)
         SELECT TRUE, 'A', 0, NOW(), NOW(), gen_random_uuid()::text, 1, 1, ch.org_id FROM ch WHERE NOT EXISTS (SELECT 1 FROM existing)
         RETURNING id),
newu AS (INSERT INTO contacts_contacturn(identity, path, scheme, priority, channel_id, contact_id, org_id)
         SELECT :'urn', split_part(:'urn', ':', 2), split_part(:'urn', ':', 1), 1000, ch.id, newc.id, ch.org_id FROM ch, newc
         RETURNING id, contact_id),
u AS (SELECT id, contact_id FROM existing UNION ALL SELECT id, contact_id FROM newu),
items AS (SELECT t.ord, t.value->>'text' AS text, t.value->'qr' AS qr,
                  NULLIF(ARRAY(SELECT json_array_elements_text(COALESCE(t.value->'att', '[]'::json))), '{}')::varchar(255)[] AS att FROM json_array_elements(:'items'::json) WITH ORDINALITY AS t(value, ord)),
m AS (INSERT INTO msgs_msg(uuid, text, high_priority, created_on, modified_on, queued_on, direction, status, visibility, msg_type,
                           msg_count, error_count, next_attempt, channel_id, contact_id, contact_urn_id, org_id, metadata, attachments)
      SELECT gen_random_uuid()::text, items.text, TRUE, NOW(), NOW(), NOW(), 'O', 'Q', 'V', 'F', 1, 0, NOW(), ch.id, u.contact_id, u.id, ch.org_id,
             json_build_object('quick_replies', items.qr)::text, items.att
      FROM ch, u, items ORDER BY items.ord RETURNING *)
SELECT json_build_array(json_build_object(
  'org_id', m.org_id, 'id', m.id, 'uuid', m.uuid, 'direction', 'O', 'status', 'Q', 'visibility', 'V', 'high_priority', TRUE,
  'urn', :'urn', 'urn_auth', '', 'text', m.text, 'attachments', m.attachments, 'external_id', NULL, 'response_to_id', NULL,
  'response_to_external_id', '', 'metadata', m.metadata::json,
  'channel_id', m.channel_id, 'contact_id', m.contact_id, 'contact_urn_id', m.contact_urn_id,
  'msg_count', 1, 'error_count', 0, 'channel_uuid', ch.uuid, 'contact_name', '',
  'next_attempt', m.next_attempt, 'created_on', m.created_on, 'modified_on', m.modified_on, 'queued_on', m.queued_on, 'sent_on', NULL))
FROM m, ch ORDER BY m.id;
