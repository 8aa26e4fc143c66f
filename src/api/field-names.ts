/**
 * The keys a logged shape may show as they are (describeShape): the field names of the spec (every
 * key of its samples and field tables) and the keys this server's readers of the undocumented
 * answers look for (slots.ts, the timeline and claims summary readers). Any other key is replaced
 * in the log, since a map may be keyed by something personal, such as a first name.
 */
const SPEC_FIELDS = `
  _since _type abbreviation accent_color acceptance_rate_pct accepted_amount access action active
  active_banners actor_email actor_ip actor_role actor_user_agent actor_user_email actor_user_name ada_code
  address address2 address_line1 address_line2 adj_amount adj_date adj_note adj_type adjustments
  administered_at agent agent_display agent_other all_practices allergies allergy_name allergy_uid
  allow_overbooking allowed_amount already_completed amount amount_cents amount_dollars anesthesia_uid
  annotations annual_max annual_maximum api_rate_limit_per_minute app_id app_name application application_name
  applied_to_patient appointment appointment_count appointment_id appointment_type appointment_uid appointments
  approval_status approved_at approved_by_email approved_patient apr ar_total area_code arrived_at as_of
  as_of_date assigned_to assigned_to_email attached_content_type attached_document attached_document_url
  attempts audio_url audit_id audit_throttle_hits_24h auto_note_uid auto_release_at availability_windows
  available available_hours avg_days_late_among_non_compliant avg_fee bal_0_30 bal_31_60 bal_61_90 bal_over_90
  balance balance_current balance_outstanding balance_summary balance_total benefit_type benefit_uid benefits
  billing_enabled bleed_1 bleed_2 bleed_3 bleed_4 bleed_5 bleed_6 blocked_hours blockout_type blocks
  blocks_slot body bp_diastolic bp_systolic brand bucket bucket_end bucket_start bundle bundle_completed
  bundle_id bundle_name by_insurance by_procedure by_provider by_type caller_id cancel_reason
  cancellation_reason cancelled_at cancelled_between cancelled_by cancelled_by_id cancelled_by_name
  capture_date capture_device carpules carrier carrier_detail carrier_id carrier_name carrier_uid carriers
  category category_label category_uid cdt_code changed_at changed_by changed_by_email changed_by_name channel
  charge_date charges chart_number checked_in_at city claim claim_fee claim_id claim_office_id claim_status
  claim_uid claimed_at client client_accent_color client_id client_logo_url client_memberships client_name
  client_secret client_uid clinical_enabled close code code_expires_at col collection_pct collections color
  commlog_uid completed_amt completed_at completed_production compliance_note compliance_rate_pct
  compliant_count condition condition_name condition_uid conditions config confirmed_status
  consecutive_failures consent_text consent_text_snapshot content context conversation_id conversation_type
  conversion conversion_error_count converted converted_to_patient count counts coverage_category create_claim
  created created_at created_by created_by_email created_by_name credential cs_schedule current current_charges
  current_patient_id current_patient_value_snapshot current_practice_id current_sendout cursor custom_data
  customer_id data date date_accepted date_complete date_created date_due date_from date_identified date_joined
  date_of_birth date_planned date_previous date_reaction date_scheduled date_sent date_service date_start
  date_stop date_time date_to day_of_week days days_31_60 days_61_90 days_of_week dea_number deactivated_at
  ded_applied deductible_met deductible_total dedup_candidates default_duration_minutes default_fee
  default_view degrees_rotated delayed_accepted_pct deleted_at deleted_by delivered_at delivery_status
  dentition description detail details device_label diagnosis_description direction directions disabled_reason
  discarded_at discarded_by discount dismissed_at display_name display_settings dob doc_id doccenter_enabled
  document document_id document_url documents_total dollars_scheduled download_url download_urls draft_status
  draft_uid drug_form drug_name drug_strength dry_run due_after due_before duration_minutes e164_number
  earliest_time education_date education_uid effective_date effective_logo_url email email_status employer_name
  enabled end_date end_time ended_at enforce_throttle_hits_24h enrollment_count entities entity_type entries
  entry_count entry_type entry_uid error error_message error_messages errored errors est_primary_ins
  est_secondary_ins event_category event_count event_type events exam exam1 exam2 exam_date exam_uid
  exclude_appointment exp_month exp_year expiration_date expires_at expires_in expires_in_minutes explain
  external_id family_deductible fax_id fee fee_billed fee_schedule fee_schedule_id fee_schedule_uid
  feedback_uid field_id field_label field_response field_type fields file file_size filed_at filed_by
  finalized_at finalized_by finalized_by_name first_disclosure_sent_at first_granted_at first_name
  first_run_tour_completed_at first_visit_date_from first_visit_date_to first_visit_production_gte flipped
  force form_session format frequency_limits from from_number from_status full_name furcation gender
  generate_recall grade grand_total grant_uid granted granted_at granted_by_email grants_revoked granularity
  grid_cols grid_rows group_id group_name group_number guarantor has_future_appointment has_schema
  has_screenshot has_voted height help_text highlights hipaa_authorization_date hipaa_authorization_signed
  hipaa_consent_date hipaa_consent_signed hipaa_privacy_practices_date hipaa_privacy_practices_signed hours
  hpid icon icon_url id idle_timeout_seconds ids image image_count image_mime_type image_type image_uid
  image_url images imaging_enabled import_error_details import_report importer importer_version
  in_chair_patient inbound_document_email inbound_email inbox_owner_user_ids inbox_owner_users inbox_uid
  include include_archived include_hidden include_without_active_recare includes_fax includes_sms
  individual_deductible initials ins_pay_amt ins_pay_est insurance insurance_enabled insurance_estimate
  insurance_info insurance_paid insurance_plan interest interval invitation_uid invite_code invite_expires_at
  invite_token invited_at invited_by_name ip_address is_active is_addendum is_anonymous is_bookable is_closed
  is_complete is_completed is_controlled is_current is_default_new_patient is_deleted is_disabled is_doctor
  is_expired is_first_party is_flipped is_from_patient is_hidden is_hygiene is_imported is_new_patient
  is_patient is_read is_revoked is_running is_secondary is_signed is_staff is_stale is_superuser is_system
  is_verified is_visible is_web_sched issue_uid issues item_count item_uid items job_uid js_errors kind
  kiosk_url label last4 last_activity_at last_appointment_at last_change_at last_change_by_id last_failure_at
  last_help_replied_at last_login last_medical_review last_medical_review_by last_medical_review_by_name
  last_message last_name last_payment_amount last_payment_date last_reached_at last_read_at last_recall_date
  last_record_count last_resent_at last_seen_at last_synced_at last_used_at last_visit_before last_visit_date
  latest_time launch_token lead_time_hours limit livekit_room livekit_room_id livekit_token livekit_url
  logo_url lot_number maps_to_patient_field match_reason material max_age max_practices max_results
  max_session_hours max_users_per_practice medical_alerts medical_history medication_name medication_uid
  medications member_id member_uid memberships merged_into_patient message_id message_uid metadata method
  metric metrics mime mime_type min_age min_balance mobility mode modified modified_by modified_by_email
  monetary_amt monthly_price_cents mount_uid my_vote_option_id name net_production new_patient_draft_id
  new_status next next_recall_date next_resend_at next_retry_at no_show_between no_show_rate_pct note note_date
  note_template_uid note_type note_uid notes npi o2_saturation object_id occurred_at occurred_from occurred_to
  ocr_results_total open open_hours opened_at operatories operatory operatory_id operatory_name operatory_uid
  opted_out_at opted_out_reason option_count option_id options order ordering ordinal original_filename outcome
  over_90 overdue_charges overdue_count override_uid page page_count page_size page_url pair_token paired_at
  paired_by_email parent_note participant_ids participants pass_context patient patient_count
  patient_feedback_uid patient_first_name patient_id patient_insurance patient_last_name patient_name
  patient_portion patient_summary patient_total patient_uid pay_amount pay_date pay_method pay_note pay_type
  payer_id payload payment payment_amount payment_intent_id payment_method payment_plan payment_source
  payment_uid pending percent perio_uid period_start permission personal_info phi_blocked phi_redacted_note
  phone phone_home phone_mobile phone_work plan plan_date plan_detail plan_id plan_name plan_type plan_uid
  plan_year_begin_month planned_fee plaque_1 plaque_2 plaque_3 plaque_4 plaque_5 plaque_6 pm_id pms pms_version
  poll_id poll_url portal_enabled practice practice_count practice_id practice_link practice_name
  practice_timezone practice_uid practices preference_data preferred_locality preferred_name prefers_email
  prefers_sms prefill_map prescription_id presented_amount previous previous_status primary_carrier
  primary_carrier_id primary_carrier_name primary_plan primary_provider primary_provider_id
  primary_provider_name principal priority probe_1 probe_2 probe_3 probe_4 probe_5 probe_6 proc_code proc_date
  proc_fee procedure procedure_category procedure_code procedure_code_fee procedure_code_uid procedure_count
  procedure_date procedure_description procedure_uid procedures procedures_count processing_error
  processing_state processing_updated_at production production_completed production_goal_daily
  production_goal_monthly production_goal_weekly production_per_hour production_scheduled products_recommended
  prompts property1 property2 proposal_id proposed_value provider provider_dentist provider_dentist_name
  provider_hygienist provider_hygienist_name provider_id provider_name provider_type provider_uid providers
  provisioned_at public_key public_url pulse purpose q quantity query question queued raw_response reaction
  reading_count reading_date readings ready_at ready_for_doctor_at ready_for_walkout_at reason
  rebook_appointment_id rebook_date rebook_lag_days rebooked recall recall_total recall_type recall_uid
  received_at recession_1 recession_2 recession_3 recession_4 recession_5 recession_6 record_counts records
  redeemed_at redeemed_by_client_name referral_source referral_source_uid refills refresh rejection_reason
  relationship_to_subscriber released report report_uid request_count_24h requested_at required required_scopes
  reschedule_request reschedule_requested resolution_note resolved_at resolved_by resolved_by_email resource_id
  resource_type respiration response_body response_status responses results return_url review_notes reviewed_at
  reviewed_by reviewed_by_email revoked_at revoked_by_email role rotation route route_display row rows
  running_balance rx_cui same_visit_accepted_pct save_for_future_use schedule schedule_date schedule_type
  scheduled_at scheduled_hours scheduled_procedures scheduled_production scheduled_start scheduling_enabled
  schema_text scope scope_id scopes score screenshot screenshot_url search seated_at seated_by
  secondary_provider send_to_portal sender_id sender_name sendout sendout_id sent_at sent_by service_type
  session_id session_uid settings setup_intent_id share_pct sidebar_collapsed signature_b64 signature_uid
  signed_at signed_by signer_email signer_name_typed signer_patient signer_type signer_user since sinch_fax_id
  sinch_message_id sinch_number_id site skip_validation skipped slot slot_count slot_index slot_layout slot_uid
  slots slug sort_order source source_application source_application_name source_name source_type source_uid
  specialty split_amount splits staff_user stage start_date start_time started_at state state_name status
  status_log stripe_payment_intent_id stripe_status subject submission submission_id submission_template
  submissions submitted_at submitted_data submitted_via submitter_email subscriber_id subscriber_name
  subscription_uid substitution_permitted suggested_patients summary suppuration_1 suppuration_2 suppuration_3
  suppuration_4 suppuration_5 suppuration_6 surface surfaces sync_enabled tablet tablet_id target_patient_field
  target_patient_uid target_url tech_email teeth temperature template template_code template_hours template_id
  template_ids template_name template_slot template_uid template_version termination_date text theme
  throttle_mode thumbnail_url time_period timezone title to to_number to_status today_production token
  token_expires_at tokens_revoked tool_key tooth tooth_num tooth_numbers tooth_uid top_balances topic
  topic_display total total_adjustments total_ar total_balance total_charges total_collections total_converted
  total_errors total_matched total_payments total_production total_records total_skipped total_votes totals
  transcript transcript_confidence treatment_plan triaged_at triaged_by triaged_by_email type uid unit_qty
  unread unread_count unscheduled until upcoming_appointments upcoming_count uploaded_by uploaded_by_name url
  url_template user user_agent user_email user_first_name user_id user_last_name user_uid utilization_pct valid
  value values verification_uid verified_at verified_between verified_by verified_by_summary version
  version_group via_client via_practice viewport vital_sign_uid vote_count voters waiting_period_months
  waiting_period_notes website week_production width window window_end window_start without_active_recare_count
  workstation_name write_off zip_code
`;

const READER_FIELDS = `
  available_slots by_status dates datetime outstanding outstanding_balance start time times timestamp
  total_count total_fee total_paid
`;

export const KNOWN_FIELD_NAMES: ReadonlySet<string> = new Set(
  `${SPEC_FIELDS} ${READER_FIELDS}`.split(/\s+/).filter(Boolean),
);
