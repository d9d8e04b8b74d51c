//! One block's editing state: its fields as signals (all `Copy`), and the
//! operations the field components share: read and write a field's text,
//! remember the caret, put a chosen secret in.

use super::{EditorContext, Field};
use crate::model::{BlockId, BlockInput, BlockView, HttpMethod, KeyValue, SecretOption};
use crate::template;
use leptos::prelude::*;
use std::collections::HashMap;

#[derive(Clone, Copy)]
pub struct BlockState {
    pub id: BlockId,
    pub ctx: EditorContext,
    pub name: RwSignal<String>,
    pub method: RwSignal<HttpMethod>,
    pub url: RwSignal<String>,
    pub query: RwSignal<Vec<KeyValue>>,
    pub headers: RwSignal<Vec<KeyValue>>,
    pub body: RwSignal<String>,
    pub saved_note: RwSignal<bool>,
    /// The field whose picker is open.
    pub picker_for: RwSignal<Option<Field>>,
    /// Where the caret was when a field lost focus (byte offsets).
    pub cursors: RwSignal<HashMap<Field, usize>>,
}

impl BlockState {
    pub fn new(view: &BlockView, ctx: EditorContext) -> BlockState {
        let b = &view.block;
        BlockState {
            id: b.id,
            ctx,
            name: RwSignal::new(b.name.clone()),
            method: RwSignal::new(b.method),
            url: RwSignal::new(b.url.clone()),
            query: RwSignal::new(b.query.clone()),
            headers: RwSignal::new(b.headers.clone()),
            body: RwSignal::new(b.body.clone()),
            saved_note: RwSignal::new(false),
            picker_for: RwSignal::new(None),
            cursors: RwSignal::new(HashMap::new()),
        }
    }

    pub fn mark_dirty(self) {
        self.saved_note.set(false);
        self.ctx.dirty.update(|d| {
            d.insert(self.id);
        });
    }

    /// A field's text; tracked inside reactive closures.
    pub fn field_text(self, f: Field) -> String {
        match f {
            Field::Url => self.url.get(),
            Field::Body => self.body.get(),
            Field::Param(i) | Field::Header(i) => self
                .rows_of(f)
                .with(|l| l.get(i).map(|kv| kv.value.clone()).unwrap_or_default()),
        }
    }

    pub fn text_of(self, f: Field) -> String {
        untrack(|| self.field_text(f))
    }

    pub fn set_text(self, f: Field, text: String) {
        match f {
            Field::Url => self.url.set(text),
            Field::Body => self.body.set(text),
            Field::Param(i) | Field::Header(i) => self.rows_of(f).update(|l| {
                if let Some(kv) = l.get_mut(i) {
                    kv.value = text;
                }
            }),
        }
        self.mark_dirty();
    }

    /// The list a row field belongs to.
    fn rows_of(self, f: Field) -> RwSignal<Vec<KeyValue>> {
        match f {
            Field::Param(_) => self.query,
            _ => self.headers,
        }
    }

    /// Only the browser knows where the caret is.
    #[cfg(feature = "hydrate")]
    pub fn remember_cursor(self, f: Field, at: usize) {
        self.cursors.update(|c| {
            c.insert(f, at);
        });
    }

    /// Puts the chosen secret into field `f` at the remembered caret (or in
    /// place of the secret it holds), then gives the field focus back.
    pub fn insert(self, f: Field, option: SecretOption) {
        self.ctx.secrets.update(|m| {
            m.insert(option.name.to_ascii_lowercase(), option.clone());
        });
        let text = self.text_of(f);
        let cursor = self.cursors.with_untracked(|c| c.get(&f).copied());
        let (new_text, _) = template::insert_secret(&text, &option.name, cursor);
        self.set_text(f, new_text);
        self.picker_for.set(None);
        // Back to the field, as a person would expect after choosing.
        super::focus_id(&f.dom_id(self.id));
    }

    pub fn input(self) -> BlockInput {
        BlockInput {
            id: self.id,
            name: self.name.get_untracked(),
            method: self.method.get_untracked(),
            url: self.url.get_untracked(),
            query: self.query.get_untracked(),
            headers: self.headers.get_untracked(),
            body: self.body.get_untracked(),
        }
    }
}
