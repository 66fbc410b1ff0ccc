//! Screens (spec A5, B mobile "Screens", B2 "Screen details"): what the app tracks about its
//! screens, the `screen` and `screen_summary` entities, and [`ScreenState`], the pure machine
//! that keeps the current screen and its engagement summary.
//!
//! The machine decides, for each event, what the screen rules add to it: the previous-screen
//! fields of a screen view, the `screen_end` before it, the entities, and which list and
//! scroll events are absorbed into the summary instead of being sent. It never decides
//! sessions: [`TrackerState`](crate::TrackerState) runs each event it lets through by the
//! session rules.

use std::sync::Arc;

use serde::{Serialize, Serializer};
use uuid::Uuid;

/// Schema of the `screen_view` event.
pub const SCREEN_VIEW_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0";
/// Schema of the `screen` entity.
pub const SCREEN_SCHEMA: &str = "iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0";
/// Schema of the `screen_end` event.
pub const SCREEN_END_SCHEMA: &str = "iglu:com.snowplowanalytics.mobile/screen_end/jsonschema/1-0-0";
/// Schema of the `screen_summary` entity.
pub const SCREEN_SUMMARY_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0";
/// Schema of the `list_item_view` event.
pub const LIST_ITEM_VIEW_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0";
/// Schema of the `scroll_changed` event.
pub const SCROLL_CHANGED_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0";

/// The largest offset, size and `*_sec` value the schemas allow.
const MAX_PIXELS: i64 = 2_147_483_647;

/// A screen-related input the schemas would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreenError {
    /// A screen view's `name` is empty.
    #[error("a screen view needs a non-empty name")]
    EmptyName,
    /// An id field (`id`, `previousId`) is not a UUID.
    #[error("`{field}` must be a UUID, not {value:?}")]
    InvalidId {
        /// The field.
        field: &'static str,
        /// What was given (cut to 40 characters).
        value: String,
    },
    /// A number outside the schema's range for its field.
    #[error("`{field}` must be from {min} to {max}, not {value}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// What was given.
        value: i64,
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
}

/// Parses a UUID in the hyphenated form, any case (written back in lower case).
///
/// # Errors
/// [`ScreenError::InvalidId`] naming `field`.
pub fn parse_screen_id(field: &'static str, text: &str) -> Result<Uuid, ScreenError> {
    (text.len() == 36)
        .then(|| Uuid::parse_str(text).ok())
        .flatten()
        .ok_or_else(|| ScreenError::InvalidId {
            field,
            value: text.chars().take(40).collect(),
        })
}

fn in_range(field: &'static str, value: i64, min: i64, max: i64) -> Result<i64, ScreenError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ScreenError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

/// A screen view as the app tracks it, built like Android's `ScreenView`: a name, and
/// optionally the screen's id (a random one when not given), its type, the previous screen's
/// fields (filled from the current screen where not given) and the transition type.
///
/// ```
/// use client_session_core::ScreenView;
/// let view = ScreenView::new("checkout")?
///     .with_type("form")
///     .with_id_str("6F9619FF-8B86-D011-B42D-00C04FC964FF")?;
/// assert_eq!(view.name(), "checkout");
/// assert!(ScreenView::new("").is_err());
/// # Ok::<(), client_session_core::ScreenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenView {
    // Shared strings: the screen entity and the next view's previous fields take them by
    // reference count, so the screen step allocates nothing.
    name: Arc<str>,
    id: Option<Uuid>,
    screen_type: Option<Arc<str>>,
    previous_name: Option<Arc<str>>,
    previous_id: Option<Uuid>,
    previous_type: Option<Arc<str>>,
    transition_type: Option<String>,
}

/// A screen view's fields as an app's input gives them, ids as text, before any is checked:
/// what each binding fills from its own JSON, so that the checks (and the order in which they
/// report) are the same everywhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenViewFields<'a> {
    /// `name`.
    pub name: &'a str,
    /// `id`, a UUID in any case.
    pub id: Option<&'a str>,
    /// `type`.
    pub screen_type: Option<&'a str>,
    /// `previousName`.
    pub previous_name: Option<&'a str>,
    /// `previousId`, a UUID in any case.
    pub previous_id: Option<&'a str>,
    /// `previousType`.
    pub previous_type: Option<&'a str>,
    /// `transitionType`.
    pub transition_type: Option<&'a str>,
}

impl ScreenView {
    /// The screen view `fields` describe.
    ///
    /// ```
    /// use client_session_core::{ScreenView, ScreenViewFields};
    /// let view = ScreenView::from_fields(ScreenViewFields { name: "cart", screen_type: Some("list"), ..ScreenViewFields::default() })?;
    /// assert_eq!(view.screen_type(), Some("list"));
    /// assert!(ScreenView::from_fields(ScreenViewFields { name: "cart", id: Some("7"), ..ScreenViewFields::default() }).is_err());
    /// # Ok::<(), client_session_core::ScreenError>(())
    /// ```
    ///
    /// # Errors
    /// [`ScreenError::EmptyName`]; [`ScreenError::InvalidId`] for `id`, then `previousId`.
    pub fn from_fields(fields: ScreenViewFields<'_>) -> Result<Self, ScreenError> {
        let mut view = Self::new(fields.name)?;
        if let Some(id) = fields.id {
            view = view.with_id_str(id)?;
        }
        if let Some(id) = fields.previous_id {
            view = view.with_previous_id_str(id)?;
        }
        view.screen_type = fields.screen_type.map(Arc::from);
        view.previous_name = fields.previous_name.map(Arc::from);
        view.previous_type = fields.previous_type.map(Arc::from);
        view.transition_type = fields.transition_type.map(str::to_owned);
        Ok(view)
    }

    /// A screen view of the screen named `name`.
    ///
    /// # Errors
    /// [`ScreenError::EmptyName`].
    pub fn new(name: impl Into<Arc<str>>) -> Result<Self, ScreenError> {
        let name = name.into();
        if name.is_empty() {
            return Err(ScreenError::EmptyName);
        }
        Ok(Self {
            name,
            id: None,
            screen_type: None,
            previous_name: None,
            previous_id: None,
            previous_type: None,
            transition_type: None,
        })
    }

    /// Sets the screen's id.
    #[must_use]
    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the screen's id from text (a UUID in any case).
    ///
    /// # Errors
    /// [`ScreenError::InvalidId`].
    pub fn with_id_str(self, id: &str) -> Result<Self, ScreenError> {
        Ok(self.with_id(parse_screen_id("id", id)?))
    }

    /// Sets the screen's type (`feed`, `carousel`…).
    #[must_use]
    pub fn with_type(mut self, screen_type: impl Into<Arc<str>>) -> Self {
        self.screen_type = Some(screen_type.into());
        self
    }

    /// Sets `previousName` (otherwise the current screen's name).
    #[must_use]
    pub fn with_previous_name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.previous_name = Some(name.into());
        self
    }

    /// Sets `previousId` (otherwise the current screen's id).
    #[must_use]
    pub fn with_previous_id(mut self, id: Uuid) -> Self {
        self.previous_id = Some(id);
        self
    }

    /// Sets `previousId` from text (a UUID in any case).
    ///
    /// # Errors
    /// [`ScreenError::InvalidId`].
    pub fn with_previous_id_str(self, id: &str) -> Result<Self, ScreenError> {
        Ok(self.with_previous_id(parse_screen_id("previousId", id)?))
    }

    /// Sets `previousType` (otherwise the current screen's type, when it has one).
    #[must_use]
    pub fn with_previous_type(mut self, screen_type: impl Into<Arc<str>>) -> Self {
        self.previous_type = Some(screen_type.into());
        self
    }

    /// Sets `transitionType`.
    #[must_use]
    pub fn with_transition_type(mut self, transition: impl Into<String>) -> Self {
        self.transition_type = Some(transition.into());
        self
    }

    /// The screen's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The screen's id: the app's, or the one the tracker gave it once tracked.
    #[must_use]
    pub fn id(&self) -> Option<Uuid> {
        self.id
    }

    /// The screen's type.
    #[must_use]
    pub fn screen_type(&self) -> Option<&str> {
        self.screen_type.as_deref()
    }

    /// `previousName`, as given or as filled when tracked.
    #[must_use]
    pub fn previous_name(&self) -> Option<&str> {
        self.previous_name.as_deref()
    }

    /// `previousId`, as given or as filled when tracked.
    #[must_use]
    pub fn previous_id(&self) -> Option<Uuid> {
        self.previous_id
    }

    /// `previousType`, as given or as filled when tracked.
    #[must_use]
    pub fn previous_type(&self) -> Option<&str> {
        self.previous_type.as_deref()
    }

    /// `transitionType`.
    #[must_use]
    pub fn transition_type(&self) -> Option<&str> {
        self.transition_type.as_deref()
    }
}

/// The event's data (`screen_view` 1-0-0), absent keys left out.
impl Serialize for ScreenView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &*self.name)?;
        if let Some(id) = &self.id {
            map.serialize_entry("id", id)?;
        }
        if let Some(value) = &self.screen_type {
            map.serialize_entry("type", &**value)?;
        }
        if let Some(value) = &self.previous_name {
            map.serialize_entry("previousName", &**value)?;
        }
        if let Some(value) = &self.previous_id {
            map.serialize_entry("previousId", value)?;
        }
        if let Some(value) = &self.previous_type {
            map.serialize_entry("previousType", &**value)?;
        }
        if let Some(value) = &self.transition_type {
            map.serialize_entry("transitionType", value)?;
        }
        map.end()
    }
}

/// The `screen` entity (1-0-0): the current screen. Cheap to clone (shared strings): every
/// event takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    /// The screen's name.
    pub name: Arc<str>,
    /// The id of the screen view that made it current.
    pub id: Uuid,
    /// Its type, when the screen view had one.
    pub screen_type: Option<Arc<str>>,
}

/// `{"name", "id", "type"?}`, the schema's key names.
impl Serialize for Screen {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &*self.name)?;
        map.serialize_entry("id", &self.id)?;
        if let Some(screen_type) = &self.screen_type {
            map.serialize_entry("type", &**screen_type)?;
        }
        map.end()
    }
}

/// A `list_item_view` (1-0-0): the app showed item `index` of a list of `items_count`.
///
/// ```
/// use client_session_core::ListItemView;
/// let item = ListItemView::new(3, Some(40))?;
/// assert_eq!(item.index(), 3);
/// assert!(ListItemView::new(65_536, None).is_err());
/// # Ok::<(), client_session_core::ScreenError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ListItemView {
    index: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    items_count: Option<u16>,
}

impl ListItemView {
    /// Item `index` (0 to 65535) of a list of `items_count` (0 to 65535).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn new(index: i64, items_count: Option<i64>) -> Result<Self, ScreenError> {
        let index = u16::try_from(in_range("index", index, 0, 65_535)?).unwrap_or(u16::MAX);
        let items_count = items_count
            .map(|count| in_range("items_count", count, 0, 65_535))
            .transpose()?
            .map(|count| u16::try_from(count).unwrap_or(u16::MAX));
        Ok(Self { index, items_count })
    }

    /// The item's index.
    #[must_use]
    pub fn index(&self) -> u16 {
        self.index
    }

    /// How many items the list has, when given.
    #[must_use]
    pub fn items_count(&self) -> Option<u16> {
        self.items_count
    }
}

/// A `scroll_changed` (1-0-0): the scroll view's offsets and sizes, each optional. Built with
/// checked setters, so every value is within its schema's range.
///
/// ```
/// use client_session_core::ScrollChanged;
/// let scroll = ScrollChanged::default().with_y_offset(120)?.with_view_height(800)?;
/// assert_eq!(scroll.y_offset(), Some(120));
/// assert!(ScrollChanged::default().with_view_width(-1).is_err());
/// # Ok::<(), client_session_core::ScreenError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScrollChanged {
    #[serde(skip_serializing_if = "Option::is_none")]
    x_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    view_width: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    view_height: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_width: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_height: Option<i32>,
}

/// A scroll's fields as an app's input gives them, before any is checked (see
/// [`ScreenViewFields`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrollFields {
    /// `x_offset`.
    pub x_offset: Option<i64>,
    /// `y_offset`.
    pub y_offset: Option<i64>,
    /// `view_width`.
    pub view_width: Option<i64>,
    /// `view_height`.
    pub view_height: Option<i64>,
    /// `content_width`.
    pub content_width: Option<i64>,
    /// `content_height`.
    pub content_height: Option<i64>,
}

/// A checked offset (±2147483647) or size (0 to 2147483647).
fn pixels(field: &'static str, value: i64, min: i64) -> Result<i32, ScreenError> {
    let value = in_range(field, value, min, MAX_PIXELS)?;
    Ok(i32::try_from(value).unwrap_or(i32::MAX))
}

impl ScrollChanged {
    /// The scroll `fields` describe, each checked in the schema's order.
    ///
    /// ```
    /// use client_session_core::{ScrollChanged, ScrollFields};
    /// let scroll = ScrollChanged::from_fields(ScrollFields { y_offset: Some(120), ..ScrollFields::default() })?;
    /// assert_eq!(scroll.y_offset(), Some(120));
    /// assert!(ScrollChanged::from_fields(ScrollFields { view_width: Some(-1), ..ScrollFields::default() }).is_err());
    /// # Ok::<(), client_session_core::ScreenError>(())
    /// ```
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`] naming the first field outside its range.
    pub fn from_fields(fields: ScrollFields) -> Result<Self, ScreenError> {
        type Setter = fn(ScrollChanged, i64) -> Result<ScrollChanged, ScreenError>;
        let setters: [(Option<i64>, Setter); 6] = [
            (fields.x_offset, Self::with_x_offset),
            (fields.y_offset, Self::with_y_offset),
            (fields.view_width, Self::with_view_width),
            (fields.view_height, Self::with_view_height),
            (fields.content_width, Self::with_content_width),
            (fields.content_height, Self::with_content_height),
        ];
        let mut scroll = Self::default();
        for (value, set) in setters {
            if let Some(value) = value {
                scroll = set(scroll, value)?;
            }
        }
        Ok(scroll)
    }

    /// Sets `x_offset` (±2147483647).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn with_x_offset(mut self, value: i64) -> Result<Self, ScreenError> {
        self.x_offset = Some(pixels("x_offset", value, -MAX_PIXELS)?);
        Ok(self)
    }

    /// Sets `y_offset` (±2147483647).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn with_y_offset(mut self, value: i64) -> Result<Self, ScreenError> {
        self.y_offset = Some(pixels("y_offset", value, -MAX_PIXELS)?);
        Ok(self)
    }

    /// Sets `view_width` (0 to 2147483647).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn with_view_width(mut self, value: i64) -> Result<Self, ScreenError> {
        self.view_width = Some(pixels("view_width", value, 0)?);
        Ok(self)
    }

    /// Sets `view_height` (0 to 2147483647).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn with_view_height(mut self, value: i64) -> Result<Self, ScreenError> {
        self.view_height = Some(pixels("view_height", value, 0)?);
        Ok(self)
    }

    /// Sets `content_width` (0 to 2147483647).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn with_content_width(mut self, value: i64) -> Result<Self, ScreenError> {
        self.content_width = Some(pixels("content_width", value, 0)?);
        Ok(self)
    }

    /// Sets `content_height` (0 to 2147483647).
    ///
    /// # Errors
    /// [`ScreenError::OutOfRange`].
    pub fn with_content_height(mut self, value: i64) -> Result<Self, ScreenError> {
        self.content_height = Some(pixels("content_height", value, 0)?);
        Ok(self)
    }

    /// The horizontal offset, when given.
    #[must_use]
    pub fn x_offset(&self) -> Option<i32> {
        self.x_offset
    }

    /// The vertical offset, when given.
    #[must_use]
    pub fn y_offset(&self) -> Option<i32> {
        self.y_offset
    }
}

/// Whole milliseconds written as seconds: an integer when whole, else up to three decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Seconds(u64);

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The schemas cap `*_sec` at 2147483647 s; a screen open for 68 years stays valid.
        let ms = self.0.min(MAX_PIXELS.unsigned_abs() * 1000);
        if ms.is_multiple_of(1000) {
            serializer.serialize_u64(ms / 1000)
        } else {
            // Exact below 2^53 ms, and the shortest form of ms / 1000 has at most 3 decimals.
            #[allow(clippy::cast_precision_loss)]
            serializer.serialize_f64(ms as f64 / 1000.0)
        }
    }
}

/// The `screen_summary` entity (1-0-0): time on the current screen in each app state, and the
/// extremes of its list and scroll events. List and scroll keys appear once an event set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ScreenSummary {
    foreground_sec: Seconds,
    background_sec: Seconds,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_item_index: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items_count: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_x_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_x_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_y_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_y_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_width: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_height: Option<i32>,
}

impl ScreenSummary {
    /// Milliseconds on the screen with the app in the foreground.
    #[must_use]
    pub fn foreground_ms(&self) -> u64 {
        self.foreground_sec.0
    }

    /// Milliseconds on the screen with the app in the background.
    #[must_use]
    pub fn background_ms(&self) -> u64 {
        self.background_sec.0
    }

    /// The largest list index seen.
    #[must_use]
    pub fn last_item_index(&self) -> Option<u16> {
        self.last_item_index
    }

    /// `(min, max)` vertical offsets seen, the max counting the view's height.
    #[must_use]
    pub fn y_offsets(&self) -> (Option<i32>, Option<i32>) {
        (self.min_y_offset, self.max_y_offset)
    }

    fn add_item(&mut self, item: ListItemView) {
        self.last_item_index = self.last_item_index.max(Some(item.index));
        self.items_count = self.items_count.max(item.items_count);
    }

    fn add_scroll(&mut self, scroll: ScrollChanged) {
        let extend = |offset: Option<i32>,
                      view: Option<i32>,
                      min: &mut Option<i32>,
                      max: &mut Option<i32>| {
            // A view size without its offset says nothing about where the view is.
            let Some(offset) = offset else { return };
            let far = i64::from(offset) + i64::from(view.unwrap_or(0));
            let far = i32::try_from(far.min(MAX_PIXELS)).unwrap_or(i32::MAX);
            *min = Some(min.map_or(offset, |m| m.min(offset)));
            *max = Some(max.map_or(far, |m| m.max(far)));
        };
        extend(
            scroll.x_offset,
            scroll.view_width,
            &mut self.min_x_offset,
            &mut self.max_x_offset,
        );
        extend(
            scroll.y_offset,
            scroll.view_height,
            &mut self.min_y_offset,
            &mut self.max_y_offset,
        );
        self.content_width = self.content_width.max(scroll.content_width);
        self.content_height = self.content_height.max(scroll.content_height);
    }
}

/// Which screen features are on (both by default, as on Android and in React Native).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenConfig {
    /// Attach the `screen` entity to every event while a screen is current.
    pub context: bool,
    /// Screen engagement: `screen_end` events and the summary.
    pub engagement: bool,
}

/// The current screen and, with engagement on, its summary with the time it was last brought
/// up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Current {
    screen: Screen,
    engagement: Option<Engagement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Engagement {
    summary: ScreenSummary,
    updated_ms: i64,
}

/// What ends when a new screen view is tracked: the `screen_end`'s entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenEnd {
    /// The ending screen, when the `screen` entity is on.
    pub screen: Option<Screen>,
    /// Its summary, brought up to date.
    pub summary: ScreenSummary,
}

/// The screen machine: the current screen, in memory only (a restart forgets it), and its
/// engagement summary. Pure: the time and the app state are arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenState {
    config: ScreenConfig,
    current: Option<Current>,
}

impl ScreenState {
    /// No current screen.
    #[must_use]
    pub fn new(config: ScreenConfig) -> Self {
        Self {
            config,
            current: None,
        }
    }

    /// A screen view at `now_ms`: fills its id (from `new_id` when the app gave none) and its
    /// previous fields key by key from the current screen where the app did not set them;
    /// makes it the current screen with a fresh summary. Returns the `screen_end` to send
    /// first: the ending screen with its summary brought up to date, when a screen was current
    /// and engagement is on.
    pub fn view(
        &mut self,
        view: &mut ScreenView,
        in_background: bool,
        now_ms: i64,
        new_id: impl FnOnce() -> Uuid,
    ) -> Option<ScreenEnd> {
        let ending = self.current.take();
        let id = *view.id.get_or_insert_with(new_id);
        if let Some(ending) = &ending {
            let screen = &ending.screen;
            view.previous_name
                .get_or_insert_with(|| Arc::clone(&screen.name));
            view.previous_id.get_or_insert(screen.id);
            if view.previous_type.is_none() {
                view.previous_type.clone_from(&screen.screen_type);
            }
        }
        self.current = Some(Current {
            screen: Screen {
                name: Arc::clone(&view.name),
                id,
                screen_type: view.screen_type.clone(),
            },
            engagement: self.config.engagement.then_some(Engagement {
                summary: ScreenSummary::default(),
                updated_ms: now_ms,
            }),
        });
        let ending = ending?;
        let mut engagement = ending.engagement?;
        engagement.bring_up_to_date(in_background, now_ms);
        Some(ScreenEnd {
            screen: self.config.context.then_some(ending.screen),
            summary: engagement.summary,
        })
    }

    /// A list item shown. Returns whether it is sent as an event: only with engagement off.
    /// With it on, it updates the current screen's summary (if any) and is not an event.
    pub fn list_item(&mut self, item: ListItemView) -> bool {
        self.absorb(|summary| summary.add_item(item))
    }

    /// A scroll. Returns whether it is sent as an event: only with engagement off. With it
    /// on, it updates the current screen's summary (if any) and is not an event.
    pub fn scroll(&mut self, scroll: ScrollChanged) -> bool {
        self.absorb(|summary| summary.add_scroll(scroll))
    }

    fn absorb(&mut self, update: impl FnOnce(&mut ScreenSummary)) -> bool {
        if !self.config.engagement {
            return true;
        }
        if let Some(engagement) = self.engagement_mut() {
            update(&mut engagement.summary);
        }
        false
    }

    /// The app really moved to or from the background at `now_ms`: the time since the last
    /// update goes to the state it was in (`was_in_background`).
    pub fn app_state_changed(&mut self, was_in_background: bool, now_ms: i64) {
        if let Some(engagement) = self.engagement_mut() {
            engagement.bring_up_to_date(was_in_background, now_ms);
        }
    }

    /// The `screen` entity every event carries now, when the entity is on.
    #[must_use]
    pub fn entity(&self) -> Option<Screen> {
        self.config
            .context
            .then(|| self.current.as_ref().map(|c| c.screen.clone()))
            .flatten()
    }

    /// The current screen's summary as last brought up to date, when engagement is on.
    #[must_use]
    pub fn summary(&self) -> Option<ScreenSummary> {
        self.current
            .as_ref()
            .and_then(|c| c.engagement.map(|e| e.summary))
    }

    fn engagement_mut(&mut self) -> Option<&mut Engagement> {
        self.current.as_mut().and_then(|c| c.engagement.as_mut())
    }
}

impl Engagement {
    /// Adds the time since the last update to the state the app was in; a clock that went
    /// back adds nothing.
    fn bring_up_to_date(&mut self, in_background: bool, now_ms: i64) {
        let elapsed = u64::try_from(now_ms.saturating_sub(self.updated_ms)).unwrap_or(0);
        let total = if in_background {
            &mut self.summary.background_sec.0
        } else {
            &mut self.summary.foreground_sec.0
        };
        *total = total.saturating_add(elapsed);
        self.updated_ms = now_ms;
    }
}

#[cfg(test)]
mod tests;
