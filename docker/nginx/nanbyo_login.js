// POST /api/rpc/login through the login rate limits (issue #18).
// nginx's limit_req runs before the body is read, so it cannot key on the
// login id by itself: this handler reads the (at most 1 MiB, in-memory)
// body, takes the login id from it, and passes the request on as an
// internal subrequest to /_nanbyo_login/<sha-256 of the id>, where
// limit_req applies per client address and per login id
// (docker/nginx/nanbyo.conf.template). The answer of that subrequest
// (PostgREST's, or nginx's 429 JSON) goes back to the client as it is.
import crypto from 'crypto';
import qs from 'querystring';

// The login id as PostgREST will read it: JSON, or a form-encoded body.
function loginIdOf(r, body) {
    const type = (r.headersIn['Content-Type'] || '').toLowerCase();
    try {
        if (type.startsWith('application/x-www-form-urlencoded')) {
            const id = qs.parse(body).login_id;
            return typeof id === 'string' ? id : '';
        }
        const parsed = JSON.parse(body);
        return parsed && typeof parsed.login_id === 'string' ? parsed.login_id : '';
    } catch (e) {
        return '';  // PostgREST refuses it; every such body shares one bucket
    }
}

// Headers of PostgREST's answer that the client needs (nginx adds its own).
const PASSED_HEADERS = ['Content-Type', 'Set-Cookie', 'WWW-Authenticate', 'Content-Location', 'Preference-Applied'];

function limited(r) {
    const body = r.requestText || '';
    const key = crypto.createHash('sha256').update(loginIdOf(r, body)).digest('hex');
    r.subrequest('/_nanbyo_login/' + key, { method: 'POST', body: body }, function (reply) {
        PASSED_HEADERS.forEach(function (name) {
            const value = reply.headersOut[name];
            if (value !== undefined) {
                r.headersOut[name] = value;
            }
        });
        r.return(reply.status, reply.responseText || '');
    });
}

export default { limited };
