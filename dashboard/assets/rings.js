/* cadresim dashboard: the network view's rings, restyled in place while a run goes on.
 *
 * Plotly draws a whole figure again whenever a per-point array changes (about 80 ms for
 * 1,000 cadres in headless Chromium), so each tick the server sends only this month's action
 * code of every cadre (figures.rings) and this sets the marker line of the drawn points, as
 * plotly would: the figure's data, plotly's per-point records (so a later redraw, e.g. on
 * resize, keeps the rings) and the points' stroke. This relies on how plotly keeps a scatter
 * trace (gd.calcdata, a trace group in calcdata[0].node3, each point's record as its element's
 * d3 datum); where a trace is not drawn that way, Plotly.restyle redraws it (slow, but right).
 *
 * rings = {key, month, first, colours, widths, codes}: `key` names the figure they are for
 * (layout.meta.rings: the run and its cadres' types), codes[k] are the codes of trace
 * first + k, point by point. Rings for another figure are retried briefly (the figure may
 * still be drawing) and then dropped; rings older than those drawn are ignored.
 */
(function () {
    "use strict";
    const TRIES = 40;
    const WAIT_MS = 25;

    function graphDiv(id) {
        return document.querySelector("#" + id + " .js-plotly-plot");
    }

    // The drawn points of trace t, in calcdata order, or null if they are not drawn that way.
    function points(gd, t) {
        const cd = gd.calcdata[t];
        const group = cd && cd[0] && cd[0].node3 && cd[0].node3.node();
        const nodes = group ? group.querySelectorAll("path.point") : [];
        if (!cd || nodes.length !== cd.length) {
            return null;
        }
        for (let j = 0; j < nodes.length; j++) {
            if (nodes[j].__data__ !== cd[j]) {
                return null;
            }
        }
        return nodes;
    }

    function restyleTrace(gd, t, colours, widths) {
        const nodes = points(gd, t);
        if (!nodes || nodes.length !== colours.length) {
            // not drawn point by point as expected: let plotly redraw (slow, but right)
            window.Plotly.restyle(
                gd,
                {"marker.line.color": [colours], "marker.line.width": [widths]},
                [t]
            );
            return;
        }
        const cd = gd.calcdata[t];
        gd.data[t].marker.line.color = colours;
        gd.data[t].marker.line.width = widths;
        gd._fullData[t].marker.line.color = colours;
        gd._fullData[t].marker.line.width = widths;
        for (let j = 0; j < nodes.length; j++) {
            const d = cd[j];
            const width = widths[j];
            d.mlc = d.mlcc = colours[j];
            d.mlw = width;
            const style = nodes[j].style;
            style.strokeWidth = width + "px";
            if (width) {
                style.stroke = colours[j];
                style.strokeOpacity = "1";
            }
        }
    }

    function apply(gd, rings) {
        const meta = gd && gd.layout && gd.layout.meta;
        if (!meta || meta.rings !== rings.key || !gd.calcdata) {
            return false;
        }
        const last = gd._cadresimRings;
        const drawn = last && last.key === rings.key ? Math.max(meta.month, last.month) : meta.month;
        if (rings.month < drawn) {
            return true;
        }
        rings.codes.forEach((codes, k) => {
            if (codes.length) {
                const colours = codes.map((c) => rings.colours[c]);
                const widths = codes.map((c) => rings.widths[c]);
                restyleTrace(gd, rings.first + k, colours, widths);
            }
        });
        gd._cadresimRings = {key: rings.key, month: rings.month};
        return true;
    }

    function applyWhenDrawn(id, rings, tries) {
        if (!apply(graphDiv(id), rings) && tries > 0) {
            setTimeout(() => applyWhenDrawn(id, rings, tries - 1), WAIT_MS);
        }
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        cadresim: {
            rings: function (rings, id) {
                if (rings) {
                    applyWhenDrawn(id, rings, TRIES);
                }
            },
        },
    });
})();
