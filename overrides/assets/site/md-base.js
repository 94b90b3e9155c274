// Material for MkDocs' inline <head> script (partials/javascripts/base.html, 9.x), as a file so the
// Content-Security-Policy needs no 'unsafe-inline'. The scope is the site root: this file lives two
// folders below it, so it is computed from the script's own address instead of a per-page base_url.
__md_scope=new URL("../../",document.currentScript.src),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}}
