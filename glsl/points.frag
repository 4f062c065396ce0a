// Seein' In point visual: round points, hard-edged so that a selected point fully
// covers what lies under it (and stays cheap per fragment).

varying vec4 v_color;

void main() {
    vec2 p = gl_PointCoord - 0.5;
    if (dot(p, p) > 0.25) discard;
    gl_FragColor = v_color;
}
