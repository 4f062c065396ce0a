// The practical limit the benchmark compares against: bare GL_POINTS, minimal shader.

attribute vec2 a_position;
uniform float u_size;

void main() {
    gl_Position = vec4(a_position, 0.0, 1.0);
    gl_PointSize = u_size;
}
