// The practical limit the benchmark compares against: one flat colour.

uniform vec4 u_color;

void main() {
    gl_FragColor = u_color;
}
