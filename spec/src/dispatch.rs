//! Calling an API trait's method from a request that the server's own router matched.
//!
//! Dropshot's router cannot hold a literal segment beside a variable one (`/chats/all` beside
//! `/chats/{id}`, 28 such places in the reference), and cannot answer an unknown path or method
//! itself. So the server registers one unpublished catch-all endpoint per method
//! (`server::http::router`), matches the request against the routers of the API traits in
//! order (literal routes first, as Starlette's declaration order has it), and calls the matched
//! operation's trait method through an [`Invoker`]: the method's extractors (path, query, body),
//! then the method, then its answer, as dropshot's own handler glue does (which is not public).
//!
//! [`api_traits!`] declares the traits and, beside each, the table of its invokers, so a method
//! added to a trait is routed with nothing else to write.

use std::future::Future;
use std::pin::Pin;

use dropshot::{Body, ExclusiveExtractor, HttpResponse, RequestContext, ServerContext, SharedExtractor};
use http::{Request, Response};

use crate::Detail;

/// What an invoked operation produces: its answer, or the error answer to send.
pub type InvokeFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Detail>> + Send>>;

/// One operation's handler, callable with a request context whose endpoint metadata (path
/// variables, body limit) the server's router filled in.
pub struct Invoker<C: ServerContext>(Box<dyn Fn(RequestContext<C>, Request<Body>) -> InvokeFuture + Send + Sync>);

impl<C: ServerContext> Invoker<C> {
    /// Wraps a trait method (`<ServerImpl as UsersApi>::users_get`).
    pub fn new<F, Args>(f: F) -> Self
    where
        F: Handler<C, Args>,
    {
        Invoker(Box::new(move |rqctx, request| f.call(rqctx, request)))
    }

    pub fn call(&self, rqctx: RequestContext<C>, request: Request<Body>) -> InvokeFuture {
        (self.0)(rqctx, request)
    }
}

/// A handler function of one of the shapes dropshot allows: the context, then shared extractors,
/// the last argument any extractor (a body). Implemented for functions of up to five arguments.
pub trait Handler<C: ServerContext, Args>: Send + Sync + 'static {
    fn call(&self, rqctx: RequestContext<C>, request: Request<Body>) -> InvokeFuture;
}

/// An error answer as dropshot renders a handler's error: the status, `{"detail": ...}`, and the
/// headers the error carries (`Retry-After`).
pub fn error_response(d: Detail) -> Response<Body> {
    let status = http::StatusCode::from_u16(d.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = d.headers.clone();
    // As dropshot renders a handler's error body: compact JSON.
    let body = serde_json::to_vec(&d).unwrap_or_else(|_| br#"{"detail":"Internal Server Error"}"#.to_vec());
    let mut rsp = Response::new(Body::from(body));
    *rsp.status_mut() = status;
    rsp.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    if let Some(h) = headers {
        for (name, value) in h.iter() {
            rsp.headers_mut().append(name.clone(), value.clone());
        }
    }
    rsp
}

fn finish<R: HttpResponse>(r: Result<R, Detail>) -> Result<Response<Body>, Detail> {
    r?.to_result().map_err(Detail::from)
}

impl<C, F, Fut, R> Handler<C, ()> for F
where
    C: ServerContext,
    F: Fn(RequestContext<C>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<R, Detail>> + Send + 'static,
    R: HttpResponse + 'static,
{
    fn call(&self, rqctx: RequestContext<C>, _request: Request<Body>) -> InvokeFuture {
        let f = *self;
        Box::pin(async move { finish(f(rqctx).await) })
    }
}

macro_rules! handler_arity {
    ($($s:ident),*) => {
        impl<C, F, Fut, R, $($s,)* X> Handler<C, ($($s,)* X,)> for F
        where
            C: ServerContext,
            F: Fn(RequestContext<C>, $($s,)* X) -> Fut + Copy + Send + Sync + 'static,
            Fut: Future<Output = Result<R, Detail>> + Send + 'static,
            R: HttpResponse + 'static,
            $($s: SharedExtractor + 'static,)*
            X: ExclusiveExtractor + 'static,
        {
            #[allow(non_snake_case)]
            fn call(&self, rqctx: RequestContext<C>, request: Request<Body>) -> InvokeFuture {
                let f = *self;
                Box::pin(async move {
                    $(let $s = <$s as SharedExtractor>::from_request(&rqctx).await.map_err(Detail::from)?;)*
                    let x = <X as ExclusiveExtractor>::from_request(&rqctx, request).await.map_err(Detail::from)?;
                    finish(f(rqctx, $($s,)* x).await)
                })
            }
        }
    };
}

handler_arity!();
handler_arity!(S1);
handler_arity!(S1, S2);
handler_arity!(S1, S2, S3);
handler_arity!(S1, S2, S3, S4);

/// Declares API traits (each becomes a `#[dropshot::api_description]` trait, with its
/// `<trait>_mod`) and, for each, a module with `invokers::<T>()`: every method's name and
/// [`Invoker`].
///
/// ```ignore
/// api_traits! {
///     /// doc
///     pub trait HealthApi in health_api_invokers {
///         type Context: Send + Sync + 'static;
///         #[endpoint { method = GET, path = "/health" }]
///         async fn health_healthcheck(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<StatusResponse>, Detail>;
///     }
/// }
/// ```
#[macro_export]
macro_rules! api_traits {
    ($(
        $(#[doc = $tdoc:literal])*
        pub trait $trait:ident in $invokers:ident {
            type Context: Send + Sync + 'static;
            $(
                $(#[$($attr:tt)*])*
                async fn $name:ident($($args:tt)*) -> $ret:ty;
            )*
        }
    )*) => {$(
        $(#[doc = $tdoc])*
        #[dropshot::api_description]
        pub trait $trait {
            type Context: Send + Sync + 'static;
            $(
                $(#[$($attr)*])*
                async fn $name($($args)*) -> $ret;
            )*
        }

        /// The invokers of the trait's methods, by operation id (see [`crate::dispatch`]).
        pub mod $invokers {
            pub fn invokers<T: super::$trait>() -> Vec<(&'static str, $crate::dispatch::Invoker<T::Context>)> {
                vec![$((stringify!($name), $crate::dispatch::Invoker::new(<T as super::$trait>::$name)),)*]
            }
        }
    )*};
}
