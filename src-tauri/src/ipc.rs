//! The typed IPC surface: every command and event the UI may use. The TypeScript bindings
//! in `ui/src/lib/ipc/bindings.ts` are generated from this list (see the test below).

use chair_core::audit::AuditFilter;
use chair_core::decision::{Direction, Size, Stance};
use chair_core::import::Field;
use specta_typescript::Typescript;
use tauri_specta::{Builder, ErrorHandlingMode, collect_commands, collect_events};

use crate::commands::{
    self, backup, complaints, decisions, import, live, meetings, org, personas, relevance, themes,
    workspace,
};

/// The command and event registry, shared by the app and the bindings export.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            workspace::workspace_status,
            workspace::create_demo_workspace,
            personas::list_personas,
            personas::create_persona,
            personas::update_persona,
            personas::delete_persona,
            commands::check_draft,
            meetings::list_meetings,
            meetings::get_meeting,
            meetings::create_meeting,
            meetings::update_meeting,
            meetings::delete_meeting,
            complaints::list_complaints,
            complaints::complaint_facets,
            import::preview_import,
            import::start_import,
            import::cancel_import,
            import::import_rejections,
            import::save_rejections_csv,
            relevance::relevant_complaints,
            relevance::mark_complaint,
            relevance::embedding_progress,
            themes::list_themes,
            themes::find_themes,
            themes::rename_theme,
            themes::merge_themes,
            themes::split_theme,
            themes::add_theme_to_meeting,
            themes::decision_follow_through,
            themes::moved_against,
            decisions::record_decision,
            decisions::supersede_decision,
            decisions::revoke_decision,
            decisions::decision_draft,
            decisions::audit_decisions,
            decisions::decision_detail,
            decisions::verify_log,
            decisions::log_head,
            decisions::audit_dashboard,
            decisions::complete_follow_up,
            decisions::export_log,
            live::start_meeting,
            live::live_state,
            live::current_live_meeting,
            live::go_to_item,
            live::set_timer,
            live::advocate_says,
            live::close_meeting,
            live::meeting_minutes,
            live::minutes_markdown,
            live::save_minutes,
            live::unfinished_items,
            live::raise_escalation,
            live::answer_escalation,
            live::list_escalations,
            live::open_seat_window,
            backup::list_backups,
            backup::backup_now,
            backup::restore_backup,
            org::org_settings,
            org::org_server_state,
            org::org_connect,
            org::org_push,
            org::org_refresh,
            org::org_audit,
            org::org_entry,
            org::org_dashboard,
            org::org_export,
        ])
        .events(collect_events![
            import::ImportProgressEvent,
            live::MeetingChanged,
            relevance::ComplaintsMarked,
            relevance::EmbeddingProgress,
            themes::ThemesProgress,
            org::OrgPushed,
            backup::WorkspaceChanged,
            crate::watch::DataChanged
        ])
        // What the forms list, in Rust's order and words: the UI keeps no lists of its own.
        .constant("DIRECTIONS", Direction::options())
        .constant("SIZES", Size::options())
        .constant("STANCES", Stance::options())
        .constant("IMPORT_FIELDS", Field::ALL.map(|f| (f, f.label())).to_vec())
        .constant("DEFAULT_AUDIT_FILTER", AuditFilter::default())
        .constant("DEFAULT_ORG_FILTER", chair_org::OrgFilter::default())
        .error_handling(ErrorHandlingMode::Throw)
        .disable_serde_phases()
        .dangerously_cast_bigints_to_number()
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> anyhow::Result<()> {
    builder()
        .export(Typescript::default(), path)
        .map_err(|e| anyhow::anyhow!("cannot export the TypeScript bindings: {e}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Fails when `ui/src/lib/ipc/bindings.ts` no longer matches the Rust side; with
    /// `UPDATE_BINDINGS=1` it rewrites the file instead.
    #[test]
    fn typescript_bindings_are_up_to_date() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc/bindings.ts");
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("bindings.ts");
        super::export_bindings(&fresh).unwrap();
        let fresh = std::fs::read_to_string(&fresh).unwrap();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh).unwrap();
            return;
        }
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            current == fresh,
            "ui/src/lib/ipc/bindings.ts is stale: run `make bindings` and commit the result"
        );
    }
}
