import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { LEAD_STATUSES, type DB } from '../../src/db/schema.ts';
import { GLOBAL_TABLES, publicTables } from '../support/catalog.ts';
import { newTestDatabase } from '../support/test-db.ts';

// src/db/schema.ts is written by hand; this keeps it equal to what the migrations build. The
// compiler checks each list below names every key of its interface, the test that the catalog
// has exactly those columns.
type Exhaustive<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never] ? K : { missing: Exclude<keyof T, K[number]> };
const columns = <T>() => <const K extends readonly (keyof T & string)[]>(...keys: K & Exhaustive<T, K>) => keys as readonly string[];

const EXPECTED: { [T in keyof DB]: readonly string[] } = {
  organization: columns<DB['organization']>()('id', 'slug', 'name', 'plan', 'settings', 'created_at', 'updated_at'),
  app_user: columns<DB['app_user']>()('organization_id', 'id', 'email', 'full_name', 'role', 'is_active', 'timezone', 'created_at', 'updated_at'),
  api_key: columns<DB['api_key']>()('organization_id', 'id', 'user_id', 'name', 'prefix', 'key_hash', 'created_at', 'last_used_at', 'revoked_at'),
  property: columns<DB['property']>()(
    'organization_id', 'id', 'address_line1', 'address_line2', 'city', 'state', 'zip', 'zip4', 'county', 'normalized_line', 'addr_hash',
    'apn', 'mak', 'latitude', 'longitude', 'subdivision', 'property_type', 'year_built', 'bedrooms', 'bathrooms', 'living_area_sqft',
    'lot_size_sqft', 'roof_age_years', 'roof_material', 'roof_condition_score', 'roof_size_sqft', 'estimated_value_cents', 'equity_cents',
    'equity_percent', 'mortgage_balance_cents', 'has_mortgage', 'has_liens', 'lien_amount_cents', 'recent_refinance', 'recent_heloc',
    'last_sale_date', 'last_sale_price_cents', 'tax_debt_cents', 'violations', 'is_probate', 'is_vacant', 'owner_occupied', 'days_on_market',
    'condition_score', 'created_at', 'updated_at', 'roof_damage_indicators', 'contagion_urgency',
  ),
  person: columns<DB['person']>()(
    'organization_id', 'id', 'first_name', 'middle_name', 'last_name', 'full_name', 'company_name', 'is_company', 'age', 'mailing_line1',
    'mailing_line2', 'mailing_city', 'mailing_state', 'mailing_zip', 'timezone', 'demographics', 'notes', 'created_at', 'updated_at', 'name_key',
  ),
  contact_point: columns<DB['contact_point']>()(
    'organization_id', 'id', 'person_id', 'kind', 'value', 'value_enc', 'value_hash', 'display', 'type', 'carrier', 'sources', 'score',
    'verified', 'dnc', 'first_seen_at', 'last_seen_at', 'created_at', 'updated_at', 'verified_at', 'verification',
  ),
  lead: columns<DB['lead']>()(
    'organization_id', 'id', 'person_id', 'property_id', 'status', 'quality_score', 'motivation_score', 'lead_score', 'temperature', 'tier',
    'tags', 'source', 'vendor_record_id', 'vendor_list_id', 'assignee_id', 'notes', 'acquisition_cost_cents', 'enrichment_cost_cents',
    'raw_data', 'first_seen_at', 'last_seen_at', 'last_contacted_at', 'next_follow_up_at', 'created_at', 'updated_at', 'deleted_at',
    'merged_into_id', 'replacement_urgency', 'contagion_score', 'added_to_campaign_at', 'timezone', 'quiet_hours_start', 'quiet_hours_end',
  ),
  lead_status_history: columns<DB['lead_status_history']>()('organization_id', 'id', 'lead_id', 'from_status', 'to_status', 'trigger_type', 'changed_by', 'changed_at'),
  lead_field_audit: columns<DB['lead_field_audit']>()('organization_id', 'id', 'lead_id', 'field', 'old_value', 'new_value', 'changed_by', 'via', 'changed_at', 'applied'),
  lead_score_history: columns<DB['lead_score_history']>()('organization_id', 'id', 'lead_id', 'scorer', 'version', 'score', 'factors', 'calculated_at'),
  audit_log: columns<DB['audit_log']>()('organization_id', 'id', 'actor_user_id', 'via', 'action', 'entity', 'entity_id', 'details', 'created_at'),
  import_mapping: columns<DB['import_mapping']>()('organization_id', 'id', 'name', 'preset', 'columns', 'created_by', 'created_at', 'updated_at'),
  import: columns<DB['import']>()(
    'organization_id', 'id', 'kind', 'source', 'file_name', 'file_path', 'content_sha256', 'byte_size', 'forced', 'status', 'preset',
    'columns', 'mapping', 'encoding', 'delimiter', 'batch_size', 'batches_done', 'bytes_done', 'rows_read', 'rows_rejected',
    'leads_inserted', 'leads_merged', 'properties_inserted', 'persons_inserted', 'contact_points_added', 'contact_points_merged',
    'identity_conflicts', 'warnings', 'notes', 'error', 'created_by', 'created_at', 'started_at', 'finished_at', 'updated_at',
  ),
  import_issue: columns<DB['import_issue']>()('organization_id', 'import_id', 'line', 'seq', 'severity', 'column_name', 'reason', 'raw'),
  identity_conflict: columns<DB['identity_conflict']>()(
    'organization_id', 'id', 'import_id', 'line', 'property_id', 'matches', 'status', 'resolved_by', 'resolved_at', 'created_at',
  ),
  pull_run: columns<DB['pull_run']>()(
    'organization_id', 'id', 'import_id', 'source', 'query', 'query_sig', 'status', 'stop_reason', 'page_size', 'max_pages', 'pages_fetched', 'records', 'new_records', 'known_records', 'total_available', 'cost_cents', 'lease_owner', 'lease_until', 'error', 'created_by', 'created_at', 'finished_at', 'updated_at',
  ),
  source_bookmark: columns<DB['source_bookmark']>()(
    'organization_id', 'source', 'query_sig', 'query', 'pull_run_id', 'last_page_fetched', 'last_seen_vendor_id', 'updated_at',
  ),
  lead_source_event: columns<DB['lead_source_event']>()(
    'organization_id', 'id', 'pull_run_id', 'source', 'query_sig', 'page_number', 'seen_vendor_ids', 'first_id', 'last_id', 'records', 'new_records', 'cost_cents', 'created_at',
  ),
  area_scan: columns<DB['area_scan']>()(
    'organization_id', 'id', 'area_name', 'scan_type', 'status', 'total_properties', 'processed_properties', 'qualified_leads', 'progress_percentage', 'scan_parameters', 'results_summary', 'error_message', 'pull_run_id', 'created_by', 'created_at', 'started_at', 'completed_at', 'updated_at',
  ),
  enrichment_run: columns<DB['enrichment_run']>()(
    'organization_id', 'id', 'status', 'selector', 'settings', 'max_spend_cents', 'refresh', 'leads_selected', 'resume_at', 'lease_owner', 'lease_until', 'error', 'created_by', 'created_at', 'started_at', 'finished_at', 'updated_at',
  ),
  enrichment_task: columns<DB['enrichment_task']>()(
    'organization_id', 'run_id', 'stage', 'lead_id', 'status', 'reason', 'attempt', 'cost_cents', 'phones_found', 'emails_found', 'quality_before', 'quality_after', 'not_before', 'updated_at',
  ),
  cost_ledger: columns<DB['cost_ledger']>()(
    'organization_id', 'id', 'provider', 'port', 'stage', 'lead_id', 'run_id', 'idempotency_key', 'units', 'cost_cents', 'status', 'error', 'created_at', 'settled_at',
  ),
  budget_account: columns<DB['budget_account']>()(
    'organization_id', 'balance_cents', 'created_at', 'updated_at',
  ),
  budget_transaction: columns<DB['budget_transaction']>()(
    'organization_id', 'id', 'kind', 'amount_cents', 'balance_after_cents', 'reference', 'note', 'created_by', 'created_at',
  ),
  stage_usage_daily: columns<DB['stage_usage_daily']>()(
    'organization_id', 'stage', 'day', 'used', 'cap',
  ),
  skip_trace_result: columns<DB['skip_trace_result']>()(
    'organization_id', 'id', 'run_id', 'lead_id', 'person_id', 'stage', 'provider', 'ledger_key', 'request_data', 'response_data', 'matched', 'confidence', 'cost_cents', 'created_at', 'completed_at',
  ),
  skip_trace_phone: columns<DB['skip_trace_phone']>()(
    'organization_id', 'id', 'skip_trace_id', 'lead_id', 'value', 'value_enc', 'value_hash', 'display', 'phone_type', 'carrier', 'is_valid', 'is_mobile', 'is_dnc', 'confidence',
  ),
  skip_trace_email: columns<DB['skip_trace_email']>()(
    'organization_id', 'id', 'skip_trace_id', 'lead_id', 'value', 'value_enc', 'value_hash', 'display', 'email_type', 'is_valid', 'confidence',
  ),
  contact_verification: columns<DB['contact_verification']>()(
    'organization_id', 'id', 'contact_point_id', 'run_id', 'provider', 'ledger_key', 'result', 'line_type', 'carrier', 'dnc', 'cost_cents', 'created_at',
  ),
  dlq: columns<DB['dlq']>()(
    'organization_id', 'id', 'stage', 'item_key', 'payload', 'error', 'attempts', 'status', 'retry_after', 'created_at', 'updated_at',
  ),
  segment: columns<DB['segment']>()(
    'organization_id', 'id', 'name', 'description', 'filter', 'lead_count', 'counted_at', 'created_by', 'created_at', 'updated_at',
  ),
  territory: columns<DB['territory']>()('organization_id', 'id', 'user_id', 'kind', 'value', 'state', 'created_by', 'created_at'),
  assignment_cursor: columns<DB['assignment_cursor']>()('organization_id', 'last_user_id', 'dealt', 'updated_at'),
  lead_assignment: columns<DB['lead_assignment']>()(
    'organization_id', 'id', 'lead_id', 'from_user_id', 'to_user_id', 'strategy', 'reason', 'assigned_by', 'via', 'assigned_at',
  ),
  dnc_entry: columns<DB['dnc_entry']>()('organization_id', 'id', 'kind', 'value_hash', 'display', 'reason', 'source', 'created_by', 'created_at', 'channels'),
  message_template: columns<DB['message_template']>()('organization_id', 'id', 'name', 'channel', 'subject', 'body', 'html', 'fields', 'created_by', 'created_at', 'updated_at'),
  message: columns<DB['message']>()(
    'organization_id', 'id', 'lead_id', 'person_id', 'channel', 'direction', 'status', 'source', 'sender_type', 'sender_user_id', 'purpose', 'kind',
    'peer_hash', 'peer_display', 'peer_value', 'peer_enc', 'from_address', 'subject', 'body', 'html', 'headers', 'template_id', 'campaign_id',
    'enrollment_id', 'in_reply_to_id', 'idempotency_key', 'decision_id', 'decision', 'reason', 'scheduled_for', 'attempts', 'provider',
    'provider_message_id', 'segments', 'cost_cents', 'error', 'handed_at', 'sent_at', 'delivered_at', 'failed_at', 'opened_at', 'clicked_at',
    'replied_at', 'created_at', 'updated_at', 'intent', 'needs_reply', 'review', 'call_duration_seconds', 'briefing_id',
  ),
  local_outbox: columns<DB['local_outbox']>()(
    'organization_id', 'id', 'message_id', 'idempotency_key', 'channel', 'to_display', 'from_address', 'subject', 'body', 'headers', 'segments', 'created_at',
  ),
  sequence: columns<DB['sequence']>()(
    'organization_id', 'id', 'name', 'description', 'kind', 'status', 'purpose', 'timezone', 'working_hours_start', 'working_hours_end',
    'working_days', 'start_node', 'definition', 'created_by', 'created_at', 'updated_at',
  ),
  sequence_node: columns<DB['sequence_node']>()('organization_id', 'sequence_id', 'key', 'type', 'label', 'config', 'template_id', 'next'),
  sequence_enrollment: columns<DB['sequence_enrollment']>()(
    'organization_id', 'id', 'sequence_id', 'lead_id', 'status', 'current_node', 'next_run_at', 'step', 'enrolled_by', 'enrolled_at',
    'last_run_at', 'completed_at', 'converted_at', 'stopped_at', 'stop_reason', 'last_error', 'updated_at',
  ),
  sequence_execution: columns<DB['sequence_execution']>()(
    'organization_id', 'id', 'enrollment_id', 'sequence_id', 'node_key', 'node_type', 'step', 'status', 'branch', 'message_id',
    'enrichment_run_id', 'detail', 'error', 'started_at', 'finished_at',
  ),
  webhook_event: columns<DB['webhook_event']>()('organization_id', 'provider', 'event_id', 'kind', 'message_id', 'payload', 'result', 'received_at'),
  campaign: columns<DB['campaign']>()(
    'organization_id', 'id', 'name', 'description', 'channel', 'template_id', 'segment_id', 'purpose', 'status', 'scheduled_for', 'throttle_per_minute',
    'recipients', 'created_by', 'created_at', 'updated_at', 'launched_at', 'started_at', 'paused_at', 'completed_at', 'cancelled_at',
  ),
  campaign_recipient: columns<DB['campaign_recipient']>()(
    'organization_id', 'campaign_id', 'lead_id', 'status', 'skip_reason', 'message_id', 'scheduled_for', 'added_at', 'updated_at',
  ),
  billing_usage: columns<DB['billing_usage']>()(
    'organization_id', 'id', 'metric', 'period', 'subject_id', 'quantity', 'cost_cents', 'user_id', 'details', 'created_at',
  ),
  score_feedback: columns<DB['score_feedback']>()(
    'organization_id', 'id', 'lead_id', 'user_id', 'scorer', 'verdict', 'score', 'label', 'note', 'created_at', 'updated_at',
  ),
  permit: columns<DB['permit']>()(
    'organization_id', 'id', 'permit_number', 'permit_date', 'permit_type', 'work_class', 'status', 'permit_value_cents', 'contractor_name',
    'contractor_license', 'contractor_phone', 'work_description', 'subdivision', 'parcel_id', 'address', 'city', 'state', 'zip', 'latitude',
    'longitude', 'source', 'source_url', 'is_roofing', 'property_id', 'cluster_id', 'created_at', 'updated_at',
  ),
  contagion_cluster: columns<DB['contagion_cluster']>()(
    'organization_id', 'id', 'anchor_permit_id', 'city', 'state', 'subdivision', 'center_latitude', 'center_longitude', 'radius_miles',
    'permit_count', 'avg_permit_value_cents', 'date_range_start', 'date_range_end', 'avg_year_built', 'cluster_score', 'status',
    'properties_in_cluster', 'properties_scored', 'hot_leads_generated', 'contractors', 'metadata', 'created_at', 'last_scored_at',
  ),
  property_score: columns<DB['property_score']>()(
    'organization_id', 'property_id', 'cluster_id', 'contagion_score', 'permits_within_quarter_mile', 'permits_within_500ft',
    'permits_within_100ft', 'same_subdivision_permits', 'nearest_permit_distance_ft', 'nearest_permit_address', 'nearest_permit_date',
    'neighbor_contractor_names', 'age_match_score', 'year_built', 'roof_age_years', 'matches_neighbor_age', 'age_difference_years',
    'neighbor_avg_year_built', 'subdivision_avg_year_built', 'financial_score', 'home_value_cents', 'estimated_equity_percent',
    'estimated_equity_cents', 'has_mortgage', 'has_liens', 'recent_refinance', 'recent_heloc', 'visual_score', 'has_damage_assessment',
    'damage_indicators', 'total_urgency_score', 'urgency_tier', 'confidence_level', 'recommended_action', 'factors', 'scoring_version',
    'data_sources_used', 'scored_at',
  ),
  consent: columns<DB['consent']>()(
    'organization_id', 'id', 'person_id', 'kind', 'value_hash', 'display', 'seller_name', 'scope', 'type', 'disclosure_text', 'disclosure_hash',
    'captured_at', 'method', 'evidence_uri', 'ip', 'user_agent', 'revoked_at', 'revoke_channel', 'revoke_text', 'created_by', 'created_at',
  ),
  compliance_decision: columns<DB['compliance_decision']>()(
    'organization_id', 'id', 'lead_id', 'kind', 'value_hash', 'display', 'channel', 'purpose', 'decision', 'reason', 'reasons', 'obligations',
    'defer_until', 'at', 'facts', 'decided_by', 'via', 'decided_at',
  ),
  dnc_registry_import: columns<DB['dnc_registry_import']>()(
    'organization_id', 'id', 'area_codes', 'as_of', 'file_name', 'rows_read', 'rows_loaded', 'rows_rejected', 'numbers_added', 'numbers_removed',
    'imported_by', 'imported_at',
  ),
  dnc_registry_number: columns<DB['dnc_registry_number']>()('organization_id', 'phone', 'import_id'),
  faq_entry: columns<DB['faq_entry']>()(
    'organization_id', 'id', 'user_id', 'question', 'answer', 'embedding', 'embedding_model', 'active', 'use_count', 'last_used_at', 'created_at', 'updated_at',
  ),
  faq_match: columns<DB['faq_match']>()('organization_id', 'message_id', 'faq_entry_id', 'score', 'runner_up', 'confident', 'reply_id', 'embedding_model', 'created_at'),
  voice_configuration: columns<DB['voice_configuration']>()('organization_id', 'user_id', 'default_voice_id', 'tts_vendor', 'voice_style', 'speaking_rate', 'pitch_adjustment', 'asr_vendor', 'asr_language', 'enable_punctuation', 'confidence_threshold', 'llm_vendor', 'llm_model', 'system_prompt_template', 'max_tokens', 'temperature', 'max_call_duration_minutes', 'enable_barge_in', 'silence_timeout_seconds', 'require_consent', 'enable_recording', 'recording_disclosure', 'dnc_compliance', 'jurisdiction', 'max_retries', 'retry_delay_minutes', 'created_at', 'updated_at'),
  ai_configuration: columns<DB['ai_configuration']>()('organization_id', 'user_id', 'voice_enabled', 'voice_id', 'voice_tone', 'voice_speed', 'max_call_duration', 'max_objections', 'email_tone', 'email_length', 'email_personalization', 'sms_tone', 'sms_emoji_enabled', 'company_voice_description', 'key_differentiators', 'value_propositions', 'common_objections', 'voice_opening_prompt', 'voice_objection_prompts', 'voice_closing_prompt', 'email_generation_prompt', 'sms_generation_prompt', 'ai_creativity', 'ai_formality', 'urgency_level', 'created_at', 'updated_at'),
  voice_call: columns<DB['voice_call']>()('organization_id', 'id', 'user_id', 'lead_id', 'person_id', 'enrollment_id', 'message_id', 'retry_of', 'retry_attempts', 'agent', 'direction', 'source', 'carrier', 'provider_call_id', 'from_number', 'to_display', 'peer_hash', 'status', 'duration_seconds', 'max_duration_seconds', 'last_error_code', 'last_error_at', 'conversation_goal', 'ai_voice_id', 'ai_instructions', 'asr_model', 'tts_model', 'llm_model', 'record', 'recording_note', 'recording_url', 'transcript', 'transcript_json', 'ai_summary', 'outcome', 'interest_level', 'objections_raised', 'next_steps', 'summary', 'conversation_state', 'call_cost_cents', 'ai_cost_cents', 'total_cost_cents', 'first_audio_latency_ms', 'p95_latency_ms', 'barge_in_count', 'tool_calls_made', 'avg_confidence', 'silence_periods', 'initiated_at', 'ringing_at', 'started_at', 'ended_at', 'retry_at', 'created_by', 'created_at', 'updated_at', 'blocked_reason', 'local_scenario'),
  voice_call_turn: columns<DB['voice_call_turn']>()('organization_id', 'call_id', 'seq', 'role', 'text', 'start_ms', 'end_ms', 'barge_in', 'tool_name', 'tool_args', 'tokens_in', 'tokens_out', 'confidence_score', 'audio_url', 'latency_ms', 'reference_text', 'word_errors', 'reference_words', 'created_at'),
  voice_call_event: columns<DB['voice_call_event']>()('organization_id', 'id', 'call_id', 'provider', 'provider_event_id', 'event_type', 'payload', 'occurred_at', 'created_at'),
  voice_booking: columns<DB['voice_booking']>()('organization_id', 'id', 'lead_id', 'call_id', 'window_start', 'window_end', 'estimator_id', 'location', 'notes', 'booking_type', 'status', 'revision', 'confirmation_message_id', 'reminder_message_id', 'created_by', 'created_at', 'updated_at'),
  voice_metrics_daily: columns<DB['voice_metrics_daily']>()('organization_id', 'id', 'user_id', 'day', 'calls', 'connects', 'avg_duration_s', 'talk_minutes', 'bookings', 'booking_rate', 'first_minute_latency_ms', 'avg_first_audio_latency_ms', 'p95_latency_ms', 'asr_wer', 'avg_confidence_score', 'barge_in_rate', 'outcome_scheduled', 'outcome_callback', 'outcome_rejected', 'outcome_no_answer', 'outcome_voicemail', 'outcome_opt_out', 'outcome_failed', 'cost_cents', 'created_at', 'updated_at'),
  nudge_settings: columns<DB['nudge_settings']>()('organization_id', 'user_id', 'market_focus', 'tone', 'signoff', 'audience_max', 'min_similarity', 'negative_threshold', 'updated_at'),
  client: columns<DB['client']>()(
    'organization_id', 'id', 'user_id', 'person_id', 'contact_hash', 'notes', 'notes_embedding', 'embedding_space', 'user_tags', 'ai_tags',
    'price_min_cents', 'price_max_cents', 'beds_min', 'baths_min', 'areas', 'property_types', 'timeline', 'timezone', 'source',
    'last_interaction_at', 'created_at', 'updated_at',
  ),
  // a reference table (no organization_id), listed so its columns are checked too
  mls_event: columns<DB['mls_event']>()(
    'id', 'source_id', 'listing_key', 'event_type', 'event_at', 'standard_status', 'list_price_cents', 'previous_price_cents', 'close_price_cents',
    'beds', 'baths', 'living_area_sqft', 'year_built', 'property_type', 'address', 'city', 'state', 'zip', 'remarks', 'raw', 'embedding',
    'embedding_space', 'created_at',
  ),
  market_event: columns<DB['market_event']>()(
    'organization_id', 'id', 'user_id', 'mls_event_id', 'event_type', 'market_area', 'status', 'error', 'pipeline_run_id', 'created_at', 'processed_at',
    'attempts', 'retry_at',
  ),
  pipeline_run: columns<DB['pipeline_run']>()(
    'organization_id', 'id', 'pipeline_type', 'status', 'started_at', 'completed_at', 'events_processed', 'market_events_created', 'briefings_created',
    'clients_embedded', 'errors', 'error_details', 'duration_ms', 'heartbeat_at', 'user_count', 'started_by',
  ),
  content_resource: columns<DB['content_resource']>()(
    'organization_id', 'id', 'user_id', 'title', 'url', 'description', 'categories', 'content_type', 'status', 'usage_count', 'created_at', 'updated_at',
  ),
  briefing: columns<DB['briefing']>()(
    'organization_id', 'id', 'user_id', 'market_event_id', 'campaign_type', 'headline', 'key_intel', 'original_draft', 'edited_draft', 'draft_adapter',
    'draft_model', 'prompt_version', 'draft_warnings', 'status', 'channel', 'approved_by', 'approved_at', 'created_at', 'updated_at',
  ),
  briefing_recipient: columns<DB['briefing_recipient']>()(
    'organization_id', 'briefing_id', 'client_id', 'rank', 'similarity', 'filters_met', 'shared_terms', 'removed_at', 'message_id',
  ),
  briefing_resource: columns<DB['briefing_resource']>()('organization_id', 'briefing_id', 'resource_id'),
  negative_preference: columns<DB['negative_preference']>()(
    'organization_id', 'id', 'client_id', 'source_briefing_id', 'dismissed_embedding', 'embedding_space', 'reason', 'created_by', 'created_at',
  ),
  briefing_status_history: columns<DB['briefing_status_history']>()('organization_id', 'id', 'briefing_id', 'from_status', 'to_status', 'changed_by', 'changed_at'),
  lead_source_cost: columns<DB['lead_source_cost']>()('organization_id', 'source', 'month', 'amount_cents', 'note', 'created_by', 'created_at', 'updated_at'),
  lead_deal: columns<DB['lead_deal']>()('organization_id', 'lead_id', 'revenue_cents', 'closed_on', 'note', 'created_by', 'created_at', 'updated_at'),
};

describe('schema types', () => {
  let db: Database;
  beforeAll(async () => {
    db = await newTestDatabase();
  });
  afterAll(async () => db.close());

  it('name every table the migrations create', async () => {
    // every tenant table; of the global (reference) tables, those DB declares
    const tables = (await publicTables(db)).map((t) => t.table).filter((t) => !GLOBAL_TABLES.includes(t) || t in EXPECTED);
    expect(tables.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('list the same lead statuses as the database', async () => {
    const r = await sql<{ s: string[] }>`SELECT lead_statuses() AS s`.execute(db.kysely);
    expect(r.rows[0]!.s).toEqual([...LEAD_STATUSES]);
  });

  it('name exactly the columns of each table', async () => {
    for (const [table, cols] of Object.entries(EXPECTED)) {
      const r = await sql<{ name: string }>`SELECT attname AS name FROM pg_attribute WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped`.execute(db.kysely);
      expect(r.rows.map((c) => c.name).sort(), table).toEqual([...cols].sort());
    }
  });
});
