use super::*;

const SES: &str = "_sp_ses.8e5d";
const ID: &str = "_sp_id.8e5d";
const DOMAIN: &str = "example.test";
/// 2023-11-14T22:13:20.000Z
const T0: i64 = 1_700_000_000_000;

fn jar() -> NativeJar {
    NativeJar::new(Page::https(DOMAIN))
}

fn get(jar: &NativeJar, name: &str, now_ms: i64) -> Option<String> {
    jar.get(name, now_ms).unwrap()
}

/// `_sp_ses` as the JavaScript tracker writes it at `now_ms` with a timeout of `timeout_s`.
fn write_ses(jar: &mut NativeJar, now_ms: i64, timeout_s: i64) {
    let attrs = CookieAttributes::js_tracker(Some(DOMAIN), timeout_s, now_ms);
    jar.set(SES, "*", &attrs, now_ms).unwrap();
}

// --- Expiry at whole seconds -------------------------------------------------------------------

#[test]
fn expires_after_is_floor_of_t_plus_ttl() {
    assert_eq!(expires_after(T0, 1800), 1_700_001_800);
    assert_eq!(expires_after(T0 + 999, 1800), 1_700_001_800);
    assert_eq!(expires_after(T0 + 1000, 1800), 1_700_001_801);
    // Before 1970 the floor still rounds down, not towards zero.
    assert_eq!(expires_after(-1, 0), -1);
    assert_eq!(expires_after(-1001, 1), -1);
    assert_eq!(expires_after(i64::MAX, i64::MAX), i64::MAX);
    assert_eq!(expires_after(i64::MIN, i64::MIN), i64::MIN);
}

#[test]
fn a_whole_second_write_is_gone_exactly_at_the_timeout() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    assert_eq!(get(&jar, SES, T0 + 1_799_999).as_deref(), Some("*"));
    assert_eq!(
        get(&jar, SES, T0 + 1_800_000),
        None,
        "a gap equal to the timeout"
    );
    assert_eq!(get(&jar, SES, T0 + 1_801_000), None);
}

#[test]
fn a_write_with_milliseconds_is_gone_before_a_full_timeout_has_passed() {
    let mut jar = jar();
    let t = T0 + 500;
    write_ses(&mut jar, t, 1800);
    // Expires = floor((t + 1800000) / 1000) s = T0 + 1800000 ms: 500 ms short of the timeout.
    assert_eq!(get(&jar, SES, t + 1_799_499).as_deref(), Some("*"));
    assert_eq!(
        get(&jar, SES, t + 1_799_500),
        None,
        "500 ms under the timeout"
    );
    assert_eq!(
        get(&jar, SES, t + 1_799_999),
        None,
        "1 ms under the timeout"
    );
    assert_eq!(get(&jar, SES, t + 1_800_000), None, "exactly the timeout");
}

#[test]
fn rewriting_slides_the_expiry() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    write_ses(&mut jar, T0 + 1_000_000, 1800);
    assert_eq!(get(&jar, SES, T0 + 2_799_999).as_deref(), Some("*"));
    assert_eq!(get(&jar, SES, T0 + 2_800_000), None);
}

#[test]
fn a_timeout_of_zero_writes_a_cookie_that_is_already_gone() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 0);
    assert_eq!(get(&jar, SES, T0), None);
    write_ses(&mut jar, T0 + 1, 0);
    assert_eq!(get(&jar, SES, T0 + 1), None);
}

#[test]
fn a_session_cookie_never_expires() {
    let mut jar = jar();
    jar.set(SES, "*", &CookieAttributes::default(), T0).unwrap();
    assert_eq!(get(&jar, SES, i64::MAX).as_deref(), Some("*"));
    assert_eq!(jar.expiry_ms(SES, DOMAIN, "/", T0), Some(None));
}

// --- Deletion ----------------------------------------------------------------------------------

#[test]
fn an_expires_in_the_past_deletes_the_stored_cookie() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    let attrs = CookieAttributes {
        expires_s: Some(0),
        ..CookieAttributes::js_tracker(Some(DOMAIN), 0, T0)
    };
    jar.set(SES, "gone", &attrs, T0 + 1).unwrap();
    assert_eq!(get(&jar, SES, T0 + 1), None);
    assert_eq!(jar.expiry_ms(SES, DOMAIN, "/", T0 + 1), None);
    assert!(jar.visible(T0 + 1).is_empty());
}

#[test]
fn an_expires_equal_to_the_current_second_deletes() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    let attrs = CookieAttributes {
        expires_s: Some(T0 / 1000),
        ..CookieAttributes::js_tracker(Some(DOMAIN), 0, T0)
    };
    jar.set(SES, "x", &attrs, T0).unwrap();
    assert_eq!(
        get(&jar, SES, T0),
        None,
        "written at the very millisecond it expires"
    );
    write_ses(&mut jar, T0, 1800);
    jar.set(SES, "x", &attrs, T0 + 999).unwrap();
    assert_eq!(get(&jar, SES, T0 + 999), None);
}

#[test]
fn the_js_tracker_delete_string_deletes() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    jar.write(
        "_sp_ses.8e5d=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=example.test; \
         SameSite=Lax; Secure",
        T0,
    )
    .unwrap();
    assert_eq!(get(&jar, SES, T0), None);
}

#[test]
fn remove_deletes_only_the_cookie_its_attributes_name() {
    let mut jar = NativeJar::new(Page::https("www.example.test"));
    let domain_attrs = CookieAttributes::js_tracker(Some(DOMAIN), 1800, T0);
    jar.set(SES, "domain", &domain_attrs, T0).unwrap();
    jar.set(SES, "host", &CookieAttributes::default(), T0)
        .unwrap();
    jar.remove(SES, &domain_attrs, T0 + 1).unwrap();
    assert_eq!(get(&jar, SES, T0 + 1).as_deref(), Some("host"));
    jar.remove(SES, &CookieAttributes::default(), T0 + 1)
        .unwrap();
    assert_eq!(get(&jar, SES, T0 + 1), None);
}

#[test]
fn remove_works_with_a_clock_before_1970() {
    let mut jar = jar();
    let before = -86_400_000_000; // 1967
    jar.set(SES, "*", &CookieAttributes::default(), before)
        .unwrap();
    jar.remove(SES, &CookieAttributes::default(), before)
        .unwrap();
    assert_eq!(get(&jar, SES, before), None);
}

#[test]
fn cookies_before_1970_expire_at_their_second() {
    let mut jar = jar();
    let now = -1_500; // 1969-12-31T23:59:58.500Z
    jar.set(SES, "*", &CookieAttributes::js_tracker(None, 1, now), now)
        .unwrap();
    // floor((-1500 + 1000) / 1000) = -1 s.
    assert_eq!(get(&jar, SES, -1_001).as_deref(), Some("*"));
    assert_eq!(get(&jar, SES, -1_000), None);
}

// --- Keys, domains, paths ----------------------------------------------------------------------

#[test]
fn cookies_are_keyed_by_name_domain_and_path() {
    let mut jar = NativeJar::new(Page::new("www.example.test", "/a/b", true));
    let with = |domain: Option<&str>, path: &str| CookieAttributes {
        domain: domain.map(str::to_owned),
        path: Some(path.to_owned()),
        ..CookieAttributes::default()
    };
    jar.set("c", "1", &with(Some(DOMAIN), "/"), T0).unwrap();
    jar.set("c", "2", &with(Some("www.example.test"), "/"), T0)
        .unwrap();
    jar.set("c", "3", &with(Some(DOMAIN), "/a"), T0).unwrap();
    jar.set("c", "4", &with(Some(DOMAIN), "/"), T0).unwrap(); // replaces "1"
    let values: Vec<String> = jar.visible(T0).into_iter().map(|(_, v)| v).collect();
    // Longer path first; among equal paths, earlier created first, and "4" kept "1"'s creation.
    assert_eq!(values, ["3", "4", "2"]);
    assert_eq!(get(&jar, "c", T0).as_deref(), Some("3"));
    assert_eq!(jar.document_cookie(T0), "c=3; c=4; c=2");
    // Without "3", `get` takes the earlier created of the two on the same path.
    jar.remove("c", &with(Some(DOMAIN), "/a"), T0).unwrap();
    assert_eq!(get(&jar, "c", T0).as_deref(), Some("4"));
}

#[test]
fn a_domain_cookie_is_seen_by_the_domain_and_its_subdomains_only() {
    let mut jar = NativeJar::new(Page::https("shop.example.test"));
    let attrs = CookieAttributes::js_tracker(Some(".Example.TEST"), 1800, T0);
    jar.set(ID, "v", &attrs, T0).unwrap();
    for (host, seen) in [
        ("example.test", true),
        ("shop.example.test", true),
        ("a.b.example.test", true),
        ("EXAMPLE.test", true),
        ("badexample.test", false),
        ("example.test.evil", false),
        ("test", false),
        ("other.test", false),
    ] {
        jar.set_page(Page::https(host));
        assert_eq!(get(&jar, ID, T0).is_some(), seen, "{host}");
    }
    assert_eq!(
        jar.expiry_ms(ID, DOMAIN, "/", T0),
        Some(Some(1_700_001_800_000))
    );
}

#[test]
fn a_cookie_without_domain_is_host_only() {
    let mut jar = NativeJar::new(Page::https("example.test"));
    jar.set(ID, "v", &CookieAttributes::default(), T0).unwrap();
    assert_eq!(get(&jar, ID, T0).as_deref(), Some("v"));
    jar.set_page(Page::https("www.example.test"));
    assert_eq!(get(&jar, ID, T0), None);
}

#[test]
fn an_empty_domain_attribute_is_host_only() {
    let mut jar = NativeJar::new(Page::https("example.test"));
    jar.write("a=1; Domain=", T0).unwrap();
    jar.set_page(Page::https("www.example.test"));
    assert_eq!(get(&jar, "a", T0), None);
}

#[test]
fn a_page_cannot_set_a_cookie_for_a_domain_it_does_not_match() {
    let mut jar = NativeJar::new(Page::https("shop.example.test"));
    for domain in [
        "other.test",
        "www.shop.example.test",
        "hop.example.test",
        "p.example.test",
    ] {
        let attrs = CookieAttributes::js_tracker(Some(domain), 1800, T0);
        assert_eq!(
            jar.set(ID, "v", &attrs, T0),
            Err(JarError::DomainMismatch {
                domain: domain.to_owned(),
                host: "shop.example.test".to_owned()
            }),
            "{domain}"
        );
    }
    assert!(jar.visible(T0).is_empty());
}

#[test]
fn an_ip_address_host_matches_only_itself() {
    let mut jar = NativeJar::new(Page::https("192.168.0.1"));
    let attrs = |domain: &str| CookieAttributes {
        domain: Some(domain.to_owned()),
        ..CookieAttributes::default()
    };
    assert!(matches!(
        jar.set("a", "1", &attrs("168.0.1"), T0),
        Err(JarError::DomainMismatch { .. })
    ));
    jar.set("a", "1", &attrs("192.168.0.1"), T0).unwrap();
    assert_eq!(get(&jar, "a", T0).as_deref(), Some("1"));

    let mut jar = NativeJar::new(Page::https("[::1]"));
    assert!(matches!(
        jar.set("a", "1", &attrs(":1]"), T0),
        Err(JarError::DomainMismatch { .. })
    ));
}

#[test]
fn path_matching_follows_rfc_6265_5_1_4() {
    let mut jar = NativeJar::new(Page::new(DOMAIN, "/docs/web", true));
    let at = |path: &str| CookieAttributes {
        path: Some(path.to_owned()),
        ..CookieAttributes::default()
    };
    jar.set("docs", "1", &at("/docs"), T0).unwrap();
    jar.set("slash", "1", &at("/docs/"), T0).unwrap();
    for (path, docs, slash) in [
        ("/docs", true, false),
        ("/docs/", true, true),
        ("/docs/web", true, true),
        ("/docsets", false, false),
        ("/", false, false),
        ("/Docs", false, false),
    ] {
        jar.set_page(Page::new(DOMAIN, path, true));
        assert_eq!(get(&jar, "docs", T0).is_some(), docs, "docs on {path}");
        assert_eq!(get(&jar, "slash", T0).is_some(), slash, "slash on {path}");
    }
}

#[test]
fn a_missing_or_relative_path_is_the_page_directory() {
    let mut jar = NativeJar::new(Page::new(DOMAIN, "/a/b/c", true));
    jar.set("none", "1", &CookieAttributes::default(), T0)
        .unwrap();
    jar.write("relative=1; Path=x/y", T0).unwrap();
    jar.write("empty=1; Path=", T0).unwrap();
    for name in ["none", "relative", "empty"] {
        assert!(jar.expiry_ms(name, DOMAIN, "/a/b", T0).is_some(), "{name}");
    }
    jar.set_page(Page::new(DOMAIN, "/a", true));
    jar.set("top", "1", &CookieAttributes::default(), T0)
        .unwrap();
    assert!(jar.expiry_ms("top", DOMAIN, "/", T0).is_some());
    assert_eq!(get(&jar, "none", T0), None, "/a/b is not seen from /a");
}

#[test]
fn secure_cookies_are_for_secure_pages_only() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    jar.set_page(Page::new(DOMAIN, "/", false));
    assert_eq!(get(&jar, SES, T0), None);
    // Neither written nor overwritten from an insecure page.
    let secure = CookieAttributes::js_tracker(Some(DOMAIN), 1800, T0);
    assert_eq!(
        jar.set(ID, "v", &secure, T0),
        Err(JarError::InsecurePage(ID.to_owned()))
    );
    let plain = CookieAttributes {
        secure: false,
        ..secure
    };
    assert_eq!(
        jar.set(SES, "x", &plain, T0),
        Err(JarError::InsecurePage(SES.to_owned()))
    );
    // Nor shadowed by a host-only or longer-path cookie of the same name.
    assert_eq!(
        jar.set(SES, "x", &CookieAttributes::default(), T0),
        Err(JarError::InsecurePage(SES.to_owned()))
    );
    let deeper = CookieAttributes {
        path: Some("/a".to_owned()),
        ..plain.clone()
    };
    assert_eq!(
        jar.set(SES, "x", &deeper, T0),
        Err(JarError::InsecurePage(SES.to_owned()))
    );
    // Other names are fine.
    jar.set("other", "x", &plain, T0).unwrap();
    jar.set_page(Page::https(DOMAIN));
    assert_eq!(get(&jar, SES, T0).as_deref(), Some("*"));
    assert_eq!(jar.document_cookie(T0), "_sp_ses.8e5d=*; other=x");
}

// --- The attribute string ----------------------------------------------------------------------

#[test]
fn the_js_tracker_attribute_string_is_produced_exactly() {
    // 2027-12-01T11:00:00.250Z plus two years of lifetime (730 days; 2028 is a leap year).
    let now = 1_827_658_800_250;
    let attrs = CookieAttributes::js_tracker(Some(DOMAIN), 63_072_000, now);
    assert_eq!(
        attrs.to_string(),
        "Expires=Fri, 30 Nov 2029 11:00:00 GMT; Path=/; Domain=example.test; SameSite=Lax; Secure"
    );
    let cookie = SetCookie {
        name: ID.to_owned(),
        value: "a.b".to_owned(),
        attributes: attrs.clone(),
    };
    assert_eq!(
        cookie.to_string(),
        "_sp_id.8e5d=a.b; Expires=Fri, 30 Nov 2029 11:00:00 GMT; Path=/; Domain=example.test; \
         SameSite=Lax; Secure"
    );
    assert_eq!(SetCookie::parse(&cookie.to_string()), Ok(cookie));
    assert_eq!(CookieAttributes::parse(&attrs.to_string()), Ok(attrs));
    assert_eq!(CookieAttributes::default().to_string(), "");
    assert_eq!(
        SetCookie::parse("a=").map(|c| c.to_string()),
        Ok("a=".to_owned())
    );
}

#[test]
fn the_attribute_string_is_read_as_browsers_spell_it() {
    let attrs =
        CookieAttributes::parse("  secure ;expires = Wed, 01 Dec 2027 11:00:00 GMT;path=/x;DOMAIN=.example.test; samesite=strict")
            .unwrap();
    assert_eq!(
        attrs,
        CookieAttributes {
            expires_s: Some(1_827_658_800),
            path: Some("/x".to_owned()),
            domain: Some(".example.test".to_owned()),
            same_site: Some(SameSite::Strict),
            secure: true,
        }
    );
    assert_eq!(
        CookieAttributes::parse("  "),
        Ok(CookieAttributes::default())
    );
    let cookie = SetCookie::parse(" _sp_ses.8e5d = * ; SameSite=None").unwrap();
    assert_eq!((cookie.name.as_str(), cookie.value.as_str()), (SES, "*"));
    assert_eq!(cookie.attributes.same_site, Some(SameSite::None));
}

#[test]
fn expires_round_trips_through_the_attribute_string_across_years() {
    for secs in [
        i64::MIN,
        -62_198_755_200, // year -1
        -2_208_988_800,  // 1900
        -1,
        0,
        951_782_400, // 2000-02-29
        1_827_658_800,
        253_402_300_800, // year 10000
        i64::MAX,
    ] {
        let attrs = CookieAttributes {
            expires_s: Some(secs),
            ..CookieAttributes::default()
        };
        assert_eq!(
            CookieAttributes::parse(&attrs.to_string()),
            Ok(attrs),
            "{secs}"
        );
    }
}

#[test]
fn malformed_attribute_strings_are_typed_errors() {
    use AttributeError as E;
    let cases: Vec<(&str, AttributeError)> = vec![
        ("Path=/;", E::EmptySegment),
        ("Path=/;; Secure", E::EmptySegment),
        (";Path=/", E::EmptySegment),
        ("Max-Age=1800", E::Unknown("Max-Age".into())),
        ("HttpOnly", E::Unknown("HttpOnly".into())),
        ("Pth=/", E::Unknown("Pth".into())),
        ("=/", E::Unknown("".into())),
        ("Path=/; path=/a", E::Repeated("Path")),
        ("Secure; Secure", E::Repeated("Secure")),
        ("Path", E::MissingValue("Path")),
        ("Expires", E::MissingValue("Expires")),
        ("Secure=true", E::SecureWithValue),
        ("SameSite=Loose", E::SameSite("Loose".into())),
        ("SameSite=", E::SameSite("".into())),
        (
            "Expires=tomorrow",
            E::Expires(DateError::Shape("tomorrow".into())),
        ),
        (
            "Expires=Thu, 01 Dec 2027 11:00:00 GMT",
            E::Expires(DateError::WeekdayMismatch {
                written: "Thu".into(),
                actual: "Wed",
            }),
        ),
        (
            "Expires=Wed, 01 Dec 2027 11:00:00 GMT; Expires=Wed, 01 Dec 2027 11:00:00 GMT",
            E::Repeated("Expires"),
        ),
    ];
    for (text, error) in cases {
        assert_eq!(CookieAttributes::parse(text), Err(error), "{text:?}");
    }
    assert_eq!(SetCookie::parse("novalue"), Err(E::MissingPair));
    assert_eq!(SetCookie::parse(""), Err(E::MissingPair));
    assert_eq!(SetCookie::parse("a=1;"), Err(E::EmptySegment));
    assert_eq!(SetCookie::parse("a=1; "), Err(E::EmptySegment));
    assert_eq!(
        SetCookie::parse("a=1; Bogus"),
        Err(E::Unknown("Bogus".into()))
    );
}

#[test]
fn a_jar_write_reports_parse_and_cookie_errors_and_keeps_its_cookies() {
    let mut jar = jar();
    write_ses(&mut jar, T0, 1800);
    assert_eq!(
        jar.write("_sp_ses.8e5d=x; Max-Age=0", T0),
        Err(JarError::Attributes(AttributeError::Unknown(
            "Max-Age".into()
        )))
    );
    assert_eq!(
        jar.write("=x", T0),
        Err(JarError::InvalidName(String::new()))
    );
    assert_eq!(get(&jar, SES, T0).as_deref(), Some("*"));
}

#[test]
fn names_and_values_are_checked() {
    let mut jar = jar();
    let attrs = CookieAttributes::default();
    for name in ["", " a", "a ", "a;b", "a=b", "a\u{0}", "a\u{7f}", "a\tb"] {
        assert_eq!(
            jar.set(name, "v", &attrs, T0),
            Err(JarError::InvalidName(name.to_owned())),
            "{name:?}"
        );
    }
    for value in [" v", "v ", "a;b", "a\nb", "\u{1b}"] {
        assert_eq!(
            jar.set("n", value, &attrs, T0),
            Err(JarError::InvalidValue("n".to_owned())),
            "{value:?}"
        );
    }
    // What the tracker's values hold is fine, and so is an empty value.
    for value in ["*", "", "0f1e2d3c.1700000000.1..1..", "é=ü"] {
        jar.set("n", value, &attrs, T0).unwrap();
        assert_eq!(get(&jar, "n", T0).as_deref(), Some(value));
    }
    assert!(jar.visible(T0).iter().all(|(name, _)| name == "n"));
}

// --- Huge values -------------------------------------------------------------------------------

#[test]
fn name_and_value_may_fill_4096_bytes_and_no_more() {
    let mut jar = jar();
    let attrs = CookieAttributes::default();
    let value = "v".repeat(4095);
    jar.set("n", &value, &attrs, T0).unwrap();
    assert_eq!(get(&jar, "n", T0), Some(value));
    let too_big = "v".repeat(4096);
    assert_eq!(
        jar.set("n", &too_big, &attrs, T0),
        Err(JarError::TooLarge {
            name: "n".into(),
            bytes: 4097
        })
    );
    let huge = "v".repeat(1 << 20);
    assert!(matches!(
        jar.write(&format!("n={huge}"), T0),
        Err(JarError::TooLarge { bytes, .. }) if bytes == (1 << 20) + 1
    ));
    assert_eq!(get(&jar, "n", T0).map(|v| v.len()), Some(4095));
}

#[test]
fn path_and_domain_may_be_1024_bytes_and_no_more() {
    let mut jar = jar();
    let path = format!("/{}", "p".repeat(1023));
    let attrs = CookieAttributes {
        path: Some(path.clone()),
        ..CookieAttributes::default()
    };
    jar.set("n", "v", &attrs, T0).unwrap();
    let attrs = CookieAttributes {
        path: Some(format!("{path}p")),
        ..CookieAttributes::default()
    };
    assert_eq!(
        jar.set("n", "v", &attrs, T0),
        Err(JarError::AttributeTooLong {
            attribute: "Path",
            bytes: 1025
        })
    );
    let attrs = CookieAttributes {
        domain: Some("d".repeat(1025)),
        ..CookieAttributes::default()
    };
    assert_eq!(
        jar.set("n", "v", &attrs, T0),
        Err(JarError::AttributeTooLong {
            attribute: "Domain",
            bytes: 1025
        })
    );
}

#[test]
fn extreme_times_neither_overflow_nor_panic() {
    let mut jar = jar();
    let far = CookieAttributes {
        expires_s: Some(i64::MAX),
        ..CookieAttributes::default()
    };
    jar.set("far", "1", &far, T0).unwrap();
    // i64::MAX seconds is far beyond i64::MAX milliseconds.
    assert_eq!(get(&jar, "far", i64::MAX).as_deref(), Some("1"));
    assert_eq!(
        jar.expiry_ms("far", DOMAIN, "/", T0),
        Some(Some(i128::from(i64::MAX) * 1000))
    );

    let old = CookieAttributes {
        expires_s: Some(i64::MIN),
        ..CookieAttributes::default()
    };
    jar.set("far", "1", &old, i64::MIN).unwrap();
    assert_eq!(
        get(&jar, "far", i64::MIN),
        None,
        "i64::MIN s is before i64::MIN ms"
    );

    // The extremes of the clock itself.
    for now in [i64::MIN, i64::MAX] {
        let mut jar = jar.clone();
        let attrs = CookieAttributes::js_tracker(Some(DOMAIN), i64::MAX, now);
        jar.set(ID, "v", &attrs, now).unwrap();
        assert_eq!(get(&jar, ID, now).as_deref(), Some("v"), "{now}");
        jar.remove(ID, &attrs, now).unwrap();
        assert_eq!(get(&jar, ID, now), None, "{now}");
    }
}

#[test]
fn the_lifetime_cap_with_huge_expiries() {
    let mut jar = jar().with_lifetime_cap(Some(i64::MAX));
    let attrs = CookieAttributes {
        expires_s: Some(i64::MAX),
        ..CookieAttributes::default()
    };
    jar.set("n", "v", &attrs, i64::MAX).unwrap();
    assert_eq!(get(&jar, "n", i64::MAX).as_deref(), Some("v"));
}

// --- The 400-day cap ---------------------------------------------------------------------------

#[test]
fn no_cap_by_default_keeps_the_two_year_id_cookie() {
    let mut jar = jar();
    let attrs = CookieAttributes::js_tracker(Some(DOMAIN), 63_072_000, T0);
    jar.set(ID, "v", &attrs, T0).unwrap();
    let day = 86_400_000;
    assert_eq!(get(&jar, ID, T0 + 500 * day).as_deref(), Some("v"));
    assert_eq!(get(&jar, ID, T0 + 730 * day), None);
}

#[test]
fn the_chromium_cap_ends_the_id_cookie_after_400_days_to_the_millisecond() {
    let mut jar = jar().with_lifetime_cap(Some(CHROMIUM_LIFETIME_CAP_S));
    let t = T0 + 250;
    let attrs = CookieAttributes::js_tracker(Some(DOMAIN), 63_072_000, t);
    jar.set(ID, "v", &attrs, t).unwrap();
    let cap_ms = 400 * 86_400_000;
    assert_eq!(get(&jar, ID, t + cap_ms - 1).as_deref(), Some("v"));
    assert_eq!(get(&jar, ID, t + cap_ms), None);
    // A session cookie is not capped, and a short Expires stays as written.
    jar.set("s", "1", &CookieAttributes::default(), t).unwrap();
    assert_eq!(get(&jar, "s", t + 2 * cap_ms).as_deref(), Some("1"));
    write_ses(&mut jar, t, 1800);
    assert_eq!(
        jar.expiry_ms(SES, DOMAIN, "/", t),
        Some(Some(1_700_001_800_000))
    );
}
