-- A picture of the published results (doc/chart.md): a diverging stacked bar chart of Likert
-- answers as an accessible SVG. It draws only what it is given — published cells with their
-- suppressed per-point shares — and reads no table, so it can never show more than the caller could
-- already read; a cell marked suppressed (or without shares) is drawn as a dashed, empty bar
-- labelled "c", whatever else it carries.
--
-- Cells: a JSON array, one object per bar, top to bottom:
--   {"label": "Team One, 2026-Q1", "points": 5, "shares": [0.05, 0.10, 0.15, 0.40, 0.30],
--    "respondents": "23", "suppressed": false}
-- shares[v-1] is the share of answers at point v (each 0..1, together 1 within rounding);
-- respondents is the published count (or 'c'); every cell has the same number of points.

-- Internal: text made safe for SVG (XML) content and attribute values.
CREATE FUNCTION rbp.svg_escape(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT replace(replace(replace(replace(replace(p_text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;') $$;
COMMENT ON FUNCTION rbp.svg_escape(text) IS 'Internal: escape text for SVG/XML content and attributes';

-- Internal: the colour of a point at distance d (1 = next to the middle) from the centre, on the
-- disagree (negative) or agree side of a scale with k points on each side: ColorBrewer RdBu,
-- distinguishable by people with the common colour-vision deficiencies.
CREATE FUNCTION rbp.chart_colour(p_agree boolean, p_distance integer, p_side_points integer) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    WITH ends AS (
        SELECT CASE WHEN p_agree THEN ARRAY[146, 197, 222] ELSE ARRAY[244, 165, 130] END AS mild,
               CASE WHEN p_agree THEN ARRAY[33, 102, 172] ELSE ARRAY[178, 24, 43] END AS strong,
               CASE WHEN p_side_points <= 1 THEN 1.0 ELSE (p_distance - 1)::numeric / (p_side_points - 1) END AS f
    )
    SELECT '#' || string_agg(lpad(to_hex(round(mild[c] + (strong[c] - mild[c]) * f)::integer), 2, '0'), '' ORDER BY c)
      FROM ends, generate_series(1, 3) AS c
$$;
COMMENT ON FUNCTION rbp.chart_colour(boolean, integer, integer) IS 'Internal: the diverging colour of a scale point (RdBu) by side and distance from the middle';

CREATE FUNCTION rbp.report_chart_svg(p_title text, p_cells jsonb, p_description text DEFAULT NULL,
                                     p_language text DEFAULT 'en') RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    c_width constant integer := 880;
    c_label_right constant integer := 262;
    c_centre constant integer := 520;
    c_half constant integer := 240;       -- 100 % of answers on one side
    c_top constant integer := 84;
    c_row constant integer := 44;
    c_bar constant integer := 26;
    v_points integer;
    v_side integer;
    v_labels text[];
    v_cell jsonb;
    v_row integer := 0;
    v_y integer;
    v_shares numeric[];
    v_suppressed boolean;
    v_label text;
    v_n text;
    v_body text := '';
    v_desc text := '';
    v_x numeric;
    v_w numeric;
    v_v integer;
    v_left numeric;
    v_legend text := '';
    v_height integer;
    v_agree numeric;
    v_disagree numeric;
BEGIN
    IF p_cells IS NULL OR jsonb_typeof(p_cells) <> 'array' OR jsonb_array_length(p_cells) = 0 THEN
        RAISE EXCEPTION 'cells must be a non-empty JSON array of {"label", "points", "shares", "respondents", "suppressed"}'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'See doc/chart.md for the shape of a cell.';
    END IF;
    SELECT min((c ->> 'points')::integer), count(DISTINCT c -> 'points') INTO v_points, v_v
      FROM jsonb_array_elements(p_cells) AS c;
    IF v_v <> 1 OR v_points IS NULL OR v_points NOT BETWEEN 2 AND 10 THEN
        RAISE EXCEPTION 'every cell needs the same number of points (2 to 10)' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_side := v_points / 2;
    v_labels := rbp.point_labels(v_points, coalesce(p_language, 'en'));

    FOR v_cell IN SELECT value FROM jsonb_array_elements(p_cells) LOOP
        v_label := coalesce(v_cell ->> 'label', '');
        v_n := coalesce(v_cell ->> 'respondents', '');
        v_suppressed := coalesce((v_cell ->> 'suppressed')::boolean, false) OR jsonb_typeof(v_cell -> 'shares') IS DISTINCT FROM 'array';
        v_y := c_top + v_row * c_row;
        -- A label longer than the label column (about 32 characters at 14 px) is shortened on the
        -- picture; the full label stays in its tooltip and in the description.
        v_body := v_body || format('<text x="%s" y="%s" text-anchor="end" class="label"><title>%s</title>%s</text>',
                                   c_label_right, v_y + 18, rbp.svg_escape(v_label),
                                   rbp.svg_escape(CASE WHEN length(v_label) > 32 THEN left(v_label, 31) || '…' ELSE v_label END));
        IF v_suppressed THEN
            v_body := v_body || format('<g class="suppressed"><title>%s: suppressed (c)</title>'
                                       '<rect x="%s" y="%s" width="%s" height="%s" fill="#ffffff" stroke="#6b6b6b" stroke-width="1.5" stroke-dasharray="6 4"/>'
                                       '<text x="%s" y="%s" text-anchor="middle" class="note">c: suppressed, not published</text></g>',
                                       rbp.svg_escape(v_label), c_centre - c_half, v_y, 2 * c_half, c_bar, c_centre, v_y + 18);
            v_desc := v_desc || format(' %s: suppressed (c).', v_label);
        ELSE
            SELECT array_agg(s::numeric ORDER BY n) INTO v_shares
              FROM jsonb_array_elements_text(v_cell -> 'shares') WITH ORDINALITY AS e(s, n);
            IF cardinality(v_shares) <> v_points OR EXISTS (SELECT FROM unnest(v_shares) s WHERE s IS NULL OR s < 0 OR s > 1)
               OR abs((SELECT sum(s) FROM unnest(v_shares) s) - 1) > 0.011 THEN
                RAISE EXCEPTION 'cell "%": shares must be % numbers from 0 to 1 adding up to 1', v_label, v_points
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            -- Left of the centre: the middle point's half (odd scales), then the disagree points outwards.
            v_left := CASE WHEN v_points % 2 = 1 THEN v_shares[v_side + 1] / 2 ELSE 0 END;
            v_x := c_centre - v_left * c_half;
            IF v_points % 2 = 1 AND v_shares[v_side + 1] > 0 THEN
                v_w := v_shares[v_side + 1] * c_half;
                v_body := v_body || format('<rect x="%s" y="%s" width="%s" height="%s" fill="#d9d9d9"><title>%s, %s: %s%%</title></rect>',
                                           round(v_x, 2), v_y, round(v_w, 2), c_bar, rbp.svg_escape(v_label),
                                           rbp.svg_escape(v_labels[v_side + 1]), round(100 * v_shares[v_side + 1]));
            END IF;
            FOR v_v IN REVERSE v_side .. 1 LOOP
                v_w := v_shares[v_v] * c_half;
                v_x := v_x - v_w;
                CONTINUE WHEN v_w = 0;
                v_body := v_body || format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s%%</title></rect>',
                                           round(v_x, 2), v_y, round(v_w, 2), c_bar, rbp.chart_colour(false, v_side + 1 - v_v, v_side),
                                           rbp.svg_escape(v_label), rbp.svg_escape(v_labels[v_v]), round(100 * v_shares[v_v]));
            END LOOP;
            v_x := c_centre + v_left * c_half;
            FOR v_v IN v_points - v_side + 1 .. v_points LOOP
                v_w := v_shares[v_v] * c_half;
                CONTINUE WHEN v_w = 0;
                v_body := v_body || format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s%%</title></rect>',
                                           round(v_x, 2), v_y, round(v_w, 2), c_bar,
                                           rbp.chart_colour(true, v_v - (v_points - v_side), v_side),
                                           rbp.svg_escape(v_label), rbp.svg_escape(v_labels[v_v]), round(100 * v_shares[v_v]));
                v_x := v_x + v_w;
            END LOOP;
            SELECT sum(s) FILTER (WHERE n > v_points - v_side), sum(s) FILTER (WHERE n <= v_side)
              INTO v_agree, v_disagree FROM unnest(v_shares) WITH ORDINALITY AS u(s, n);
            v_desc := v_desc || format(' %s: %s%% agree, %s%% disagree, %s people.', v_label,
                                       round(100 * v_agree), round(100 * v_disagree), v_n);
        END IF;
        v_body := v_body || format('<text x="%s" y="%s" class="count">n = %s</text>',
                                   c_centre + c_half + 12, v_y + 18, rbp.svg_escape(v_n));
        v_row := v_row + 1;
    END LOOP;

    -- Legend: one swatch per point, disagree to agree, wrapped to the width (text about 7.5 px a character).
    v_y := c_top + v_row * c_row + 10;
    v_x := 20;
    FOR v_v IN 1 .. v_points LOOP
        v_w := 18 + 7.5 * length(v_labels[v_v]) + 24;
        IF v_x + v_w > c_width AND v_x > 20 THEN
            v_x := 20;
            v_y := v_y + 22;
        END IF;
        v_legend := v_legend || format('<rect x="%s" y="%s" width="14" height="14" fill="%s"/><text x="%s" y="%s" class="legend">%s</text>',
            round(v_x), v_y,
            CASE WHEN v_v <= v_side THEN rbp.chart_colour(false, v_side + 1 - v_v, v_side)
                 WHEN v_v > v_points - v_side THEN rbp.chart_colour(true, v_v - (v_points - v_side), v_side)
                 ELSE '#d9d9d9' END,
            round(v_x) + 18, v_y + 12, rbp.svg_escape(v_labels[v_v]));
        v_x := v_x + v_w;
    END LOOP;
    v_height := v_y + 40;

    RETURN format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" lang="%s" aria-labelledby="chart-title chart-desc">'
                  '<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>'
                  '<style>text{font-family:"DejaVu Sans",Arial,sans-serif;fill:#1a1a1a}.title{font-size:18px;font-weight:bold}'
                  '.label,.count,.note{font-size:14px}.axis,.legend{font-size:12px}</style>'
                  '<rect width="100%%" height="100%%" fill="#ffffff"/>'
                  '<text x="20" y="30" class="title">%s</text>'
                  '<text x="%s" y="64" text-anchor="end" class="axis">&#8592; disagree</text>'
                  '<text x="%s" y="64" class="axis">agree &#8594;</text>'
                  '<line x1="%s" y1="72" x2="%s" y2="%s" stroke="#1a1a1a" stroke-width="1"/>'
                  '%s%s</svg>',
                  c_width, v_height, c_width, v_height, rbp.svg_escape(coalesce(p_language, 'en')),
                  rbp.svg_escape(coalesce(p_title, '')),
                  rbp.svg_escape(coalesce(p_description,
                      format('Diverging stacked bar chart of %s published cells: answers below the middle of the scale to the left, above it to the right.', v_row)
                      || v_desc)),
                  rbp.svg_escape(coalesce(p_title, '')),
                  c_centre - 8, c_centre + 8, c_centre, c_centre, c_top + v_row * c_row - c_row + c_bar + 4,
                  v_body, v_legend);
END
$$;
COMMENT ON FUNCTION rbp.report_chart_svg(text, jsonb, text, text) IS
    'An accessible SVG diverging stacked bar chart (title, description, labels) of published cells given as JSON (doc/chart.md); suppressed cells are drawn as dashed empty bars marked c';

REVOKE ALL ON FUNCTION rbp.report_chart_svg(text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_chart_svg(text, jsonb, text, text) TO rbp_report_writer, rbp_qa, rbp_admin;
GRANT EXECUTE ON FUNCTION rbp.point_labels(integer, text), rbp.form_text_in(text, text)
    TO rbp_report_writer, rbp_qa, rbp_staff, rbp_admin;
