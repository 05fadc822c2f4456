//! The Marketplace: a search form (a plain GET form: it works the same with
//! and without JavaScript, and every result page has its own address),
//! category and sort links, results with paging, and one app's page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::marketplace::{
    browse_marketplace, marketplace_app, InstallOut, ListingCardOut, MarketplaceOut,
};
use crate::components::async_view;
use crate::components::time::moment;
use crate::domain::listing::CATEGORIES;
use crate::domain::marketplace::{href, BrowseIn, Sort};
use crate::domain::media::MediaKind;
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/marketplace`: browse by category, search, sort, page.
#[component]
pub fn MarketplacePage() -> impl IntoView {
    let query = use_query_map();
    let input = move || {
        let q = query.read();
        BrowseIn {
            q: q.get("q").unwrap_or_default(),
            category: q.get("category").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            page: q.get("page").unwrap_or_default(),
        }
    };
    let data = page_resource(input, results_html);
    view! {
        <Title text="Marketplace"/>
        <Transition>
            {move || async_view(async move {
                match data.await {
                    Ok(html) => view! { <div class="marketplace" inner_html=html/> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

/// The page's content below the header, as HTML. A browse page's (no
/// search) is the same for every viewer and comes from the results cache
/// when it holds it (see `server::page_cache::ResultsCache`); a search's
/// is drawn every time.
async fn results_html(input: BrowseIn) -> Result<String, AppError> {
    #[cfg(feature = "ssr")]
    let shared = {
        let b = crate::domain::marketplace::browse(&input);
        // The canonical address of the browse page is its key.
        b.q.is_empty()
            .then(|| href("", b.category.as_deref(), Some(b.sort), b.page))
    };
    let draw = async move {
        browse_marketplace(input)
            .await
            .map(|page| results(page).to_html())
    };
    #[cfg(feature = "ssr")]
    if let Some(key) = shared {
        let state = crate::server::context::state()?;
        let html = state.caches.results.read_through(&key, draw).await?;
        return Ok(html.to_string());
    }
    draw.await
}

/// Categories, the search form, sorts, the results and the pager.
fn results(page: MarketplaceOut) -> impl IntoView {
    let b = page.browse.clone();
    let searching = !b.words.is_empty();
    let heading = if searching {
        format!("Apps matching “{}”", b.q)
    } else {
        match &b.category {
            Some(c) => format!(
                "{} apps",
                crate::domain::listing::category_label(c).unwrap_or_default()
            ),
            None => "All apps".to_owned(),
        }
    };
    let sorts: Vec<Sort> = Sort::ALL
        .iter()
        .copied()
        .filter(|s| searching || *s != Sort::Relevance)
        .collect();
    let q = b.q.clone();
    let category = b.category.clone();
    let current_sort = b.sort;
    let prev = (b.page > 1).then(|| href(&q, category.as_deref(), Some(current_sort), b.page - 1));
    let next = page
        .has_next
        .then(|| href(&q, category.as_deref(), Some(current_sort), b.page + 1));
    let page_number = b.page;
    let empty = page.apps.is_empty();
    view! {
        <aside class="card market-side">
            <nav aria-label="Categories" class="categories">
                <h2>"Categories"</h2>
                <ul>
                    <li><a href=href(&q, None, None, 1) aria-current=category.is_none().then_some("page")>"All apps"</a></li>
                    {CATEGORIES.iter().map(|(slug, label)| {
                        let current = (category.as_deref() == Some(*slug)).then_some("page");
                        view! { <li><a href=href(&q, Some(slug), None, 1) aria-current=current>{*label}</a></li> }
                    }).collect_view()}
                </ul>
            </nav>
        </aside>
        <section class="card market-main">
            <h1>"Marketplace"</h1>
            <form method="get" action="/marketplace" role="search" class="market-search">
                <label for="market-q">"Search apps"</label>
                <input id="market-q" type="search" name="q" value=b.q.clone() maxlength="200"/>
                {category.clone().map(|c| view! { <input type="hidden" name="category" value=c/> })}
                <button type="submit" class="btn primary">"Search"</button>
            </form>
            <h2 class="market-heading">{heading}</h2>
            <nav class="filters" aria-label="Sort by">
                "Sort: "
                {sorts.into_iter().map(|s| {
                    let current = (s == current_sort).then_some("page");
                    view! { <a href=href(&q, category.as_deref(), Some(s), 1) aria-current=current>{s.label()}</a>" " }
                }).collect_view()}
            </nav>
            {if empty {
                view! { <p class="muted">{if searching { "No app matches this search. Try fewer or other words." } else { "No apps here yet." }}</p> }.into_any()
            } else {
                view! {
                    <ul class="market-grid">
                        {page.apps.into_iter().map(|app| view! { <AppCard app/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(prev.is_some() || next.is_some()).then(|| view! {
                <nav class="pager" aria-label="Pages">
                    {prev.clone().map(|href| view! { <a href=href rel="prev">"← Previous"</a> })}
                    <span>{format!(" Page {page_number} ")}</span>
                    {next.clone().map(|href| view! { <a href=href rel="next">"Next →"</a> })}
                </nav>
            })}
        </section>
    }
}

/// One result.
#[component]
fn AppCard(app: ListingCardOut) -> impl IntoView {
    let link = format!("/marketplace/{}", app.app_id);
    let alt = format!("{} preview", app.name);
    let installs = match app.installs {
        1 => "1 install".to_owned(),
        n => format!("{n} installs"),
    };
    view! {
        <li class="market-card">
            {app.image.clone().map(|id| view! { <img src=format!("/media/{id}") alt=alt.clone() loading="lazy" width="320" height="180"/> })}
            <h3>
                {app.icon.clone().map(|id| view! { <img class="market-icon" src=format!("/media/{id}") alt="" loading="lazy" width="40" height="40"/> })}
                <a href=link>{app.name.clone()}</a>
            </h3>
            <p class="muted">{format!("{} · {}", app.publisher, app.kind.label())}</p>
            <p>{app.short_description.clone()}</p>
            <p class="muted small">{format!("{} · {}", app.categories.join(", "), installs)}</p>
        </li>
    }
}

/// `/marketplace/:id`: an app's page.
#[component]
pub fn MarketplaceAppPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = page_resource(id, marketplace_app);
    view! {
        <Transition>
            {move || async_view(async move {
                let app = match data.await {
                    Ok(app) => app,
                    Err(e) => return error_view(e),
                };
                let title = format!("{} — Marketplace", app.name);
                let images: Vec<_> = app.media.iter().filter(|m| m.kind == MediaKind::Image).cloned().collect();
                let video = app.media.iter().find(|m| m.kind == MediaKind::Video).cloned();
                let count = images.len();
                let name = app.name.clone();
                let install = match app.install.clone() {
                    InstallOut::Authorize { url } => view! {
                        <a class="btn primary large" href=url>"Install"</a>
                    }.into_any(),
                    InstallOut::LandingPage { url } => view! {
                        <a class="btn primary large" href=url rel="noopener noreferrer">"Visit site to add"</a>
                    }.into_any(),
                    InstallOut::Unavailable { reason } => view! { <p class="muted" role="status">{reason}</p> }.into_any(),
                };
                view! {
                    <Title text=title/>
                    <article class="market-app">
                        <section class="card">
                            <p><a href="/marketplace">"← Marketplace"</a></p>
                            <div class="market-app-head">
                                {app.icon.clone().map(|id| view! { <img class="market-icon large" src=format!("/media/{id}") alt=format!("{} icon", app.name) width="80" height="80"/> })}
                                <h1>{app.name.clone()}</h1>
                            </div>
                            <p class="muted">{format!("{} · by {} · version {}", app.kind.label(), app.publisher, app.version)}</p>
                            <p class="lead">{app.short_description.clone()}</p>
                            {install}
                        </section>
                        {(count > 0).then(|| view! {
                            <section class="card" aria-labelledby="gallery-heading">
                                <h2 id="gallery-heading">"Screenshots"</h2>
                                <ul class="market-gallery">
                                    {images.into_iter().enumerate().map(|(i, m)| {
                                        let alt = format!("{} screenshot {} of {}", name, i + 1, count);
                                        let src = format!("/media/{}", m.id);
                                        let href = src.clone();
                                        let label = format!("Open {alt} full size");
                                        view! {
                                            <li>
                                                <a href=href aria-label=label>
                                                    <img src=src alt=alt width=m.width.to_string() height=m.height.to_string() loading="lazy"/>
                                                </a>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </section>
                        })}
                        {video.map(|v| view! {
                            <section class="card">
                                <h2>"Video"</h2>
                                <video controls preload="metadata" src=format!("/media/{}", v.id) aria-label=format!("{} video", app.name)></video>
                            </section>
                        })}
                        <section class="card">
                            <h2>"About"</h2>
                            <p class="prewrap">{app.long_description.clone()}</p>
                            {(!app.release_notes.is_empty()).then(|| view! {
                                <h3>"What’s new"</h3>
                                <p class="prewrap">{app.release_notes.clone()}</p>
                            })}
                            <p class="muted">
                                "Published " {moment(app.published_ms)} " · updated " {moment(app.updated_ms)}
                                {format!(" · {} installs", app.installs)}
                            </p>
                            <p>
                                {app.categories.iter().map(|(slug, label)| view! {
                                    <a class="tag" href=href("", Some(slug), None, 1)>{label.clone()}</a>" "
                                }).collect_view()}
                            </p>
                        </section>
                        <section class="card">
                            <h2>"What it can do"</h2>
                            <p>"When you install it, you let it:"</p>
                            <ul>
                                {app.scopes.iter().map(|s| view! {
                                    <li>{s.explanation.clone()}" "<code class="muted">{s.scope.clone()}</code></li>
                                }).collect_view()}
                            </ul>
                            <p>
                                <a href=app.privacy_url.clone() rel="noopener noreferrer">"Privacy policy"</a>
                                " · "
                                <a href=app.support_url.clone() rel="noopener noreferrer">"Support"</a>
                            </p>
                        </section>
                    </article>
                }
                .into_any()
            })}
        </Transition>
    }
}
