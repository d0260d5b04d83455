//! Python's dynamic attribute access on a context: [`SslContext::getattr`] and
//! [`SslContext::setattr`], with the attributes the profile's CPython release has.
//!
//! Porting code that reads or writes attributes by name (configuration files, `getattr`
//! loops) maps onto these; the typed getters and setters stay the primary API.

use std::path::PathBuf;

use super::{SslContext, VersionBound};
use crate::constants::{VerifyFlags, VerifyMode};
use crate::error::{Error, Result};
use crate::profiles::{Change, InterpreterMessages, ReadonlyPropertyMessage};
use crate::pyvalue::PyValue;

/// The attributes `pyssl show` prints, in its order (absent ones are skipped).
pub(super) const SHOWN: &[&str] = &[
    "protocol",
    "options",
    "verify_mode",
    "verify_flags",
    "check_hostname",
    "minimum_version",
    "maximum_version",
    "security_level",
    "post_handshake_auth",
    "hostname_checks_common_name",
    "num_tickets",
    "keylog_filename",
];

/// Methods of `SSLContext` that not every release has, with the first release that does.
const NEWER_METHODS: &[(&str, (u32, u32))] = &[
    ("set_ciphersuites", (3, 15)),
    ("set_groups", (3, 15)),
    ("get_groups", (3, 15)),
    ("set_client_sigalgs", (3, 15)),
    ("set_server_sigalgs", (3, 15)),
];

fn no_attribute(name: &str) -> Error {
    Error::attribute(format!("'SSLContext' object has no attribute '{name}'"))
}

/// A Python `int` argument, or the profile's TypeError for what a C integer converter
/// rejects.
fn int_arg(v: &PyValue, messages: &InterpreterMessages) -> Result<i128> {
    match v {
        PyValue::Int(i) => Ok(*i),
        PyValue::Bool(b) => Ok(i128::from(*b)),
        other if messages.integer_required_got_type => Err(Error::type_error(format!(
            "an integer is required (got type {})",
            type_name(other)
        ))),
        other => Err(Error::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            type_name(other)
        ))),
    }
}

fn type_name(v: &PyValue) -> &'static str {
    match v {
        PyValue::None => "NoneType",
        PyValue::Bool(_) => "bool",
        PyValue::Int(_) => "int",
        PyValue::Str(_) => "str",
        PyValue::Bytes(_) => "bytes",
        PyValue::Tuple(_) => "tuple",
        PyValue::List(_) => "list",
        PyValue::Dict(_) => "dict",
    }
}

impl SslContext {
    /// The `AttributeError` a method gets under a profile whose release lacks it (a typed
    /// method of a newer release behaves as `getattr(ctx, name)` would there).
    pub(super) fn require_method(&self, name: &str) -> Result<()> {
        match NEWER_METHODS.iter().find(|(n, _)| *n == name) {
            Some((_, since)) if self.profile.version < *since => Err(no_attribute(name)),
            _ => Ok(()),
        }
    }

    fn has_attribute(&self, name: &str) -> bool {
        match name {
            "security_level" => self.profile.has_security_level,
            "num_tickets" | "keylog_filename" => self.profile.has_num_tickets_and_keylog,
            _ => true,
        }
    }

    /// `getattr(ctx, name)`: an attribute as Python's value (enums as their `int`), under the
    /// profile's CPython: attributes that release lacks raise `AttributeError`, unless they
    /// were assigned before (then, as in Python, the instance attribute is returned).
    ///
    /// ```python
    /// ctx.security_level        # 3.9: AttributeError
    /// ```
    /// ```
    /// use pyssl::{Profile, PyValue, SslContext, PROTOCOL_TLS_CLIENT};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = SslContext::with_profile(PROTOCOL_TLS_CLIENT, Profile::PY39)?;
    /// let e = ctx.getattr("security_level").unwrap_err();
    /// assert_eq!(e.python_str(), "'SSLContext' object has no attribute 'security_level'");
    /// assert_eq!(ctx.getattr("check_hostname")?, PyValue::Bool(true));
    /// # Ok(()) }
    /// ```
    pub fn getattr(&self, name: &str) -> Result<PyValue> {
        let int = |v: i128| Ok(PyValue::Int(v));
        if self.has_attribute(name) {
            match name {
                "protocol" => return int(self.protocol().0.into()),
                "options" => return int(self.options_int()),
                "verify_mode" => return int(self.verify_mode().0.into()),
                "verify_flags" => return int(self.verify_flags().bits().into()),
                "check_hostname" => return Ok(PyValue::Bool(self.check_hostname())),
                "minimum_version" => return int(self.minimum_version().0.into()),
                "maximum_version" => return int(self.maximum_version().0.into()),
                "security_level" => return int(self.security_level().into()),
                "post_handshake_auth" => return Ok(PyValue::Bool(self.post_handshake_auth())),
                "hostname_checks_common_name" => {
                    return Ok(PyValue::Bool(self.hostname_checks_common_name()));
                }
                "_host_flags" => return int(self.host_flags().into()),
                "num_tickets" => return int(self.num_tickets() as i128),
                "keylog_filename" => {
                    return Ok(self.keylog_filename().map_or(PyValue::None, path_value));
                }
                _ => {}
            }
        }
        self.read()
            .instance_attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| no_attribute(name))
    }

    /// `setattr(ctx, name, value)`: assign an attribute by name with Python's conversions
    /// (integers for the numeric attributes, truth values for the flags, `str`/`bytes`/`None`
    /// for `keylog_filename`) and errors. A name the profile's `SSLContext` does not define is
    /// stored as an instance attribute, as Python does.
    ///
    /// ```python
    /// ctx.verify_mode = 5       # ValueError: invalid value for verify_mode
    /// ```
    /// ```
    /// use pyssl::{PyValue, SslContext, PROTOCOL_TLS_SERVER};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = SslContext::new(PROTOCOL_TLS_SERVER)?;
    /// let e = ctx.setattr("verify_mode", PyValue::Int(5)).unwrap_err();
    /// assert_eq!(e.python_str(), "invalid value for verify_mode");
    /// ctx.setattr("check_hostname", PyValue::Str("yes".into()))?;
    /// assert!(ctx.check_hostname());
    /// # Ok(()) }
    /// ```
    pub fn setattr(&self, name: &str, value: PyValue) -> Result<()> {
        if !self.has_attribute(name) || !is_known(name) {
            let mut core = self.write();
            match core.instance_attrs.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = value,
                None => core.instance_attrs.push((name.to_string(), value)),
            }
            return Ok(());
        }
        let msgs = &self.profile.messages;
        match name {
            "options" => {
                if msgs.options_argument_must_be_int
                    && !matches!(value, PyValue::Int(_) | PyValue::Bool(_))
                {
                    let shown = if value == PyValue::None {
                        "None"
                    } else {
                        type_name(&value)
                    };
                    return Err(Error::type_error(format!(
                        "argument must be int, not {shown}"
                    )));
                }
                self.set_options_int(int_arg(&value, msgs)?)
            }
            "verify_mode" => {
                let v = int_arg(&value, msgs)?;
                let v = i32::try_from(v).map_err(|_| {
                    Error::overflow(if v > 0 {
                        "signed integer is greater than maximum"
                    } else {
                        "signed integer is less than minimum"
                    })
                })?;
                self.set_verify_mode(VerifyMode(v))
            }
            "check_hostname" => {
                self.set_check_hostname(value.is_truthy());
                Ok(())
            }
            // CPython's "k" converter masks any integer to an unsigned long.
            "verify_flags" => {
                let v = int_arg(&value, msgs)?;
                self.set_verify_flags(VerifyFlags::from_bits_retain(v as u64))
            }
            "minimum_version" => {
                self.set_version_bound_int(int_arg(&value, msgs)?, VersionBound::Minimum)
            }
            "maximum_version" => {
                self.set_version_bound_int(int_arg(&value, msgs)?, VersionBound::Maximum)
            }
            "num_tickets" => {
                let v = int_arg(&value, msgs)?;
                let v = i64::try_from(v)
                    .map_err(|_| Error::overflow("Python int too large to convert to C long"))?;
                self.set_num_tickets(v)
            }
            // "I" masks to an unsigned int.
            "_host_flags" => {
                self.set_host_flags(int_arg(&value, msgs)? as u32);
                Ok(())
            }
            "hostname_checks_common_name" => {
                self.set_hostname_checks_common_name(value.is_truthy());
                Ok(())
            }
            "post_handshake_auth" => {
                self.set_post_handshake_auth(value.is_truthy());
                Ok(())
            }
            "keylog_filename" => match value {
                PyValue::None => self.set_keylog_filename(None),
                PyValue::Str(s) => self.set_keylog_filename(Some(PathBuf::from(s).as_path())),
                PyValue::Bytes(b) => {
                    use std::os::unix::ffi::OsStrExt;
                    let p = PathBuf::from(std::ffi::OsStr::from_bytes(&b));
                    self.set_keylog_filename(Some(&p))
                }
                other => Err(Error::type_error(format!(
                    "expected str, bytes or os.PathLike object, not {}",
                    type_name(&other)
                ))),
            },
            "security_level" => Err(Error::attribute(
                "attribute 'security_level' of '_ssl._SSLContext' objects is not writable",
            )),
            "protocol" => Err(Error::attribute(match msgs.readonly_property {
                ReadonlyPropertyMessage::CantSet => "can't set attribute",
                ReadonlyPropertyMessage::CantSetNamed => "can't set attribute 'protocol'",
                ReadonlyPropertyMessage::NoSetter => {
                    "property 'protocol' of 'SSLContext' object has no setter"
                }
            })),
            _ => unreachable_attr(name),
        }
    }
}

impl SslContext {
    /// `delattr(ctx, name)` (`del ctx.name`): removes an instance attribute; every attribute
    /// `SSLContext` defines refuses, with the profile's error. Before 3.13.16 / 3.14.8 /
    /// 3.15.1 some setters ran with no value (`TypeError: function takes at least one
    /// argument`, the `sni_callback` checks); from those releases they say "cannot be
    /// deleted".
    ///
    /// CPython releases before the fix crash on `del ctx.keylog_filename` (3.8–3.13.15,
    /// 3.14.0–3.14.7); pyssl answers the fixed releases' `AttributeError` there instead.
    ///
    /// ```python
    /// del ctx.check_hostname    # AttributeError: attribute 'check_hostname' of 'SSLContext'
    ///                           # objects cannot be deleted
    /// ```
    /// ```
    /// use pyssl::{Profile, PyValue, SslContext, PROTOCOL_TLS_CLIENT};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = SslContext::with_profile(PROTOCOL_TLS_CLIENT, Profile::PY313)?;
    /// let e = ctx.delattr("check_hostname").unwrap_err();
    /// assert_eq!(
    ///     e.python_str(),
    ///     "attribute 'check_hostname' of 'SSLContext' objects cannot be deleted"
    /// );
    /// ctx.setattr("tag", PyValue::Int(1))?;
    /// ctx.delattr("tag")?;
    /// assert!(ctx.getattr("tag").is_err());
    /// # Ok(()) }
    /// ```
    pub fn delattr(&self, name: &str) -> Result<()> {
        let msgs = &self.profile.messages;
        let fixed = self.profile.has(Change::DeletionChecks);
        let present = self.has_attribute(name);
        let cannot_delete = || {
            Err(Error::attribute(format!(
                "attribute '{name}' of 'SSLContext' objects cannot be deleted"
            )))
        };
        match name {
            // Properties of ssl.py, without a deleter.
            "options"
            | "verify_mode"
            | "verify_flags"
            | "minimum_version"
            | "maximum_version"
            | "protocol"
            | "hostname_checks_common_name" => {
                return Err(Error::attribute(no_deleter(name, msgs)));
            }
            // A 3.8 addition, like num_tickets and keylog_filename.
            "_msg_callback" if self.profile.has_num_tickets_and_keylog => {
                return Err(Error::attribute(no_deleter(name, msgs)));
            }
            "post_handshake_auth" => return Err(Error::attribute("cannot delete attribute")),
            "security_level" if present => {
                return Err(Error::attribute(
                    "attribute 'security_level' of '_ssl._SSLContext' objects is not writable",
                ));
            }
            "check_hostname" | "_host_flags" | "num_tickets" | "keylog_filename"
            | "sni_callback"
                if present && fixed =>
            {
                return cannot_delete();
            }
            "check_hostname" | "_host_flags" | "num_tickets" if present => {
                return Err(Error::type_error("function takes at least one argument"));
            }
            // CPython crashes here; see above.
            "keylog_filename" if present => return cannot_delete(),
            "sni_callback" if self.protocol == crate::Protocol::PROTOCOL_TLS_CLIENT => {
                return Err(Error::value(
                    "sni_callback cannot be set on TLS_CLIENT context",
                ));
            }
            "sni_callback" => return Err(Error::type_error("not a callable object")),
            _ => {}
        }
        let mut core = self.write();
        match core.instance_attrs.iter().position(|(k, _)| k == name) {
            Some(i) => {
                core.instance_attrs.remove(i);
                Ok(())
            }
            // 3.11 named the object in deletion errors too.
            None if msgs.readonly_property == ReadonlyPropertyMessage::NoSetter => {
                Err(no_attribute(name))
            }
            None => Err(Error::attribute(name)),
        }
    }
}

/// Deleting a property of ssl.py that has no deleter.
fn no_deleter(name: &str, msgs: &InterpreterMessages) -> String {
    match msgs.readonly_property {
        ReadonlyPropertyMessage::CantSet => "can't delete attribute".to_string(),
        ReadonlyPropertyMessage::CantSetNamed => format!("can't delete attribute '{name}'"),
        ReadonlyPropertyMessage::NoSetter => {
            format!("property '{name}' of 'SSLContext' object has no deleter")
        }
    }
}

fn is_known(name: &str) -> bool {
    SHOWN.contains(&name) || name == "_host_flags"
}

fn unreachable_attr(name: &str) -> Result<()> {
    Err(no_attribute(name))
}

/// A path as Python shows the `keylog_filename` it was given: `str`, or `bytes` when the
/// path is not valid UTF-8.
fn path_value(p: PathBuf) -> PyValue {
    use std::os::unix::ffi::OsStrExt;
    match p.to_str() {
        Some(s) => PyValue::Str(s.to_string()),
        None => PyValue::Bytes(p.as_os_str().as_bytes().to_vec()),
    }
}
