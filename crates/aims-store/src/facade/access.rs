//! The store facade for users, sign-in, sessions, organizations, tokens and members: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    pub async fn user_count(&self) -> R<i64> {
        dispatch!(self.user_count())
    }

    pub async fn create_setup_token(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.create_setup_token(hash, now, expires_at))
    }

    pub async fn setup_token_valid(&self, hash: &str, now: DateTime<Utc>) -> R<bool> {
        dispatch!(self.setup_token_valid(hash, now))
    }

    pub async fn complete_setup(
        &self,
        hash: &str,
        input: &SetupInput,
        now: DateTime<Utc>,
    ) -> R<(Organization, User)> {
        dispatch!(self.complete_setup(hash, input, now))
    }

    pub async fn upsert_user_cli(
        &self,
        org_slug: &str,
        email: &str,
        name: &str,
        role: aims_domain::Role,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> R<(Organization, Member)> {
        dispatch!(self.upsert_user_cli(org_slug, email, name, role, password_hash, now))
    }

    pub async fn org_by_slug(&self, slug: &str) -> R<Option<Organization>> {
        dispatch!(self.org_by_slug(slug))
    }

    pub async fn get_org(&self, org_id: i64) -> R<Organization> {
        dispatch!(self.get_org(org_id))
    }

    pub async fn update_org(
        &self,
        actor: &Actor,
        org_id: i64,
        name: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<Organization> {
        dispatch!(self.update_org(actor, org_id, name, version, now))
    }

    // sign-in and sessions

    pub async fn login_user(&self, email: &str) -> R<Option<LoginUser>> {
        dispatch!(self.login_user(email))
    }

    pub async fn count_login_failures(&self, email: &str, since: DateTime<Utc>) -> R<i64> {
        dispatch!(self.count_login_failures(email, since))
    }

    pub async fn record_login_failure(
        &self,
        email: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.record_login_failure(email, now, forget_before))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_session(
        &self,
        hash: &str,
        user_id: i64,
        email: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.create_session(hash, user_id, email, csrf, now, expires_at))
    }

    pub async fn session_user(&self, hash: &str, now: DateTime<Utc>) -> R<Option<SessionUser>> {
        dispatch!(self.session_user(hash, now))
    }

    pub async fn delete_session(&self, hash: &str) -> R<()> {
        dispatch!(self.delete_session(hash))
    }

    pub async fn user_orgs(&self, user_id: i64) -> R<Vec<OrgMembership>> {
        dispatch!(self.user_orgs(user_id))
    }

    pub async fn membership_by_slug(&self, user_id: i64, slug: &str) -> R<Option<OrgMembership>> {
        dispatch!(self.membership_by_slug(user_id, slug))
    }

    // API tokens

    pub async fn token_grant(&self, hash: &str, now: DateTime<Utc>) -> R<Option<TokenGrant>> {
        dispatch!(self.token_grant(hash, now))
    }

    pub async fn create_token(
        &self,
        actor: &Actor,
        org_id: i64,
        new: &NewToken,
        now: DateTime<Utc>,
    ) -> R<ApiToken> {
        dispatch!(self.create_token(actor, org_id, new, now))
    }

    pub async fn list_tokens(
        &self,
        org_id: i64,
        user_id: Option<i64>,
        before_id: Option<i64>,
        limit: i64,
    ) -> R<Vec<ApiToken>> {
        dispatch!(self.list_tokens(org_id, user_id, before_id, limit))
    }

    pub async fn get_token(&self, org_id: i64, id: i64) -> R<Option<ApiToken>> {
        dispatch!(self.get_token(org_id, id))
    }

    pub async fn revoke_token(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> R<ApiToken> {
        dispatch!(self.revoke_token(actor, org_id, id, now))
    }

    // members

    pub async fn list_members(
        &self,
        org_id: i64,
        after_user_id: Option<i64>,
        limit: i64,
    ) -> R<Vec<Member>> {
        dispatch!(self.list_members(org_id, after_user_id, limit))
    }

    pub async fn get_member(&self, org_id: i64, user_id: i64) -> R<Option<Member>> {
        dispatch!(self.get_member(org_id, user_id))
    }

    pub async fn add_member(
        &self,
        actor: &Actor,
        org_id: i64,
        new: &NewMember,
        now: DateTime<Utc>,
    ) -> R<Member> {
        dispatch!(self.add_member(actor, org_id, new, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn update_member_role(
        &self,
        actor: &Actor,
        org_id: i64,
        user_id: i64,
        role: aims_domain::Role,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<Member> {
        dispatch!(self.update_member_role(actor, org_id, user_id, role, version, now))
    }

    pub async fn remove_member(
        &self,
        actor: &Actor,
        org_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.remove_member(actor, org_id, user_id, now))
    }

    // catalog
}
