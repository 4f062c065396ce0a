// Seein' In point visual, small points: the whole square. Below 5 px a disc is not
// resolvable on the pixel grid (at 4 px it is a square less its four corners), and the
// disc test costs a tenth of a frame on a software rasteriser, so small points skip it.

varying vec4 v_color;

void main() {
    gl_FragColor = v_color;
}
